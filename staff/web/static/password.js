// Both staff pages (/moderate, /console): "change my password", a small modal dialog opened by
// the page's #password-open button. The server checks the current password as a sign-in (a
// wrong one counts toward the lockout) and ends the account's other sessions; this one stays.
import { $, T, el, fmt, pageData } from "../kit/page.js";
import { errorCode, retryAfterSeconds } from "../kit/http.js";
import { toast } from "../kit/toast.js";
import { failureText, post, session } from "./session.js";

// staff/accounts.py's rule, in the page data: the server refuses shorter ones too.
const MIN_PASSWORD_CHARS = pageData.limits.password_min;
const DEFAULT_RETRY_AFTER_S = 30; // a 429 without a readable Retry-After

let dialog = null;

function field(id, label, autocomplete) {
  const wrap = el("label", "password-field");
  const input = el("input");
  Object.assign(input, { id, type: "password", autocomplete, required: true });
  wrap.append(el("span", "", label), input);
  return wrap;
}

function button(id, className, label, type) {
  const node = el("button", className, label);
  Object.assign(node, { id, type });
  return node;
}

/** Built once, from the page's texts: the same dialog on both pages, no markup to copy. */
function build() {
  const box = el("dialog", "password-dialog");
  box.id = "password-dialog";
  box.setAttribute("aria-labelledby", "password-title");
  const form = el("form", "password-form");
  form.id = "password-form";
  form.noValidate = true;
  const title = el("h2", "", T.change_password);
  title.id = "password-title";
  // For password managers: whose password this is (hidden, never sent).
  const name = el("input");
  Object.assign(name, { type: "text", autocomplete: "username", hidden: true, readOnly: true });
  name.id = "password-username";
  const error = el("p", "notice");
  Object.assign(error, { id: "password-error", hidden: true });
  error.setAttribute("role", "alert");
  const cancel = button("password-cancel", "small-button", T.cancel, "button");
  const buttons = el("div", "password-buttons");
  buttons.append(cancel, button("password-submit", "button approve", T.password_save, "submit"));
  form.append(
    title,
    name,
    field("password-current", T.current_password, "current-password"),
    field("password-new", T.new_password, "new-password"),
    field("password-again", T.new_password_again, "new-password"),
    error,
    buttons,
  );
  box.append(form);
  // Keys typed here are not the page's shortcuts (A approves a photo on /moderate).
  box.addEventListener("keydown", (event) => event.stopPropagation());
  form.addEventListener("submit", submit);
  cancel.addEventListener("click", close);
  box.addEventListener("close", () => form.reset()); // Escape too: no password left behind
  document.body.append(box);
  return box;
}

function showError(words, focusId) {
  $("password-error").textContent = words || "";
  $("password-error").hidden = !words;
  if (focusId) $(focusId).select();
}

function open() {
  dialog = dialog || build();
  $("password-form").reset();
  $("password-username").value = session.username;
  showError("");
  dialog.showModal();
  $("password-current").focus();
}

function close() {
  if (dialog && dialog.open) dialog.close();
}

function refusal(result) {
  const code = errorCode(result);
  if (code === "wrong_password") return [T.password_wrong, "password-current"];
  if (code === "weak_password") return [T.password_weak, "password-new"];
  if (result.status === 429) {
    return [fmt(T.too_many_attempts, {
      s: retryAfterSeconds(result.retryAfter, DEFAULT_RETRY_AFTER_S),
    }), null];
  }
  return [failureText(result), null];
}

async function submit(event) {
  event.preventDefault();
  const current = $("password-current").value;
  const fresh = $("password-new").value;
  if (!current) return $("password-current").focus();
  if (fresh.length < MIN_PASSWORD_CHARS) return showError(T.password_weak, "password-new");
  if (fresh !== $("password-again").value) {
    return showError(T.password_mismatch, "password-again");
  }
  $("password-submit").disabled = true;
  const payload = { current_password: current, new_password: fresh };
  const result = await post("/api/auth/password", payload);
  $("password-submit").disabled = false;
  if (result.status === 204) {
    close();
    return toast.show(T.password_changed, { kind: "ok" });
  }
  if (result.status === 401) return close(); // signed out meanwhile: the sign-in form shows
  showError(...refusal(result));
}

/** Opens the dialog from the page's #password-open button. */
export function wirePasswordDialog() {
  const opener = $("password-open");
  if (opener) opener.addEventListener("click", open);
}
