// Operator console: source health, projectors, and the staff's accounts (list, add, disable,
// set a new password).
// Every label comes from the page's texts by code; server strings (names, error details) are
// shown as text, never as markup.
import { $, T, el, fmt, pageData } from "../kit/page.js";
import { errorCode } from "../kit/http.js";
import { toast } from "../kit/toast.js";
import { failureText, get, post, session } from "../staff/session.js";
import { ConfirmButton, ago, day, dayTime, fillRows } from "./tools.js";

// staff/accounts.py's rule, in the page data: the server refuses shorter ones too.
const MIN_PASSWORD_CHARS = pageData.limits.password_min;

const label = (prefix, code) => T[`${prefix}_${code}`] || String(code || "");
const drawn = { accounts: "" };

/** Draws only when the answer changed: an armed button or a hovered row stays as it is. */
function changed(key, body) {
  const text = JSON.stringify(body);
  if (drawn[key] === text) return false;
  drawn[key] = text;
  return true;
}

function when(iso) {
  const node = el("time", "", ago(iso));
  if (iso) {
    node.dateTime = iso;
    node.title = dayTime(iso);
  }
  return node;
}

function lastError(message, at) {
  if (!message) return el("span", "muted", T.none);
  const box = el("span", "error-text");
  box.append(when(at), el("span", "", ` — ${message}`));
  return box;
}

function note(id, words) {
  $(id).textContent = words || "";
  $(id).hidden = !words;
}

// --- Sources -----------------------------------------------------------------------------------

/** A source's problem in the staff's words: its code translated, never server English. */
function sourceProblem(source) {
  const code = source.last_error_code;
  if (!code) return source.last_error ? T.source_error_failed : "";
  const params = source.last_error_params || {};
  const words = fmt(T[`source_error_${code}`] || T.source_error_failed, params);
  return params.wait ? `${words} ${fmt(T.source_retry_in, params)}` : words;
}

function sourceRow(source) {
  const row = el("tr");
  row.dataset.source = source.name;
  const badge = el("span", `badge state-${source.state}`, label("source_state", source.state));
  const cells = [
    el("th", "name", source.name),
    el("td", "", label("kind", source.kind)),
    el("td", ""),
    el("td", ""),
    el("td", "wide"),
  ];
  cells[2].append(badge);
  cells[3].append(when(source.last_success));
  // A refusal the staff can fix (a token to add) names the fix; other errors their cause.
  const fix = T[`source_error_${(source.extra || {}).error_code}`];
  cells[4].append(lastError(fix || sourceProblem(source), source.last_error_at));
  row.append(...cells);
  return row;
}

async function loadSources() {
  const result = await get("/api/sources");
  if (result.status !== 200 || !result.body || !Array.isArray(result.body.sources)) return;
  // Times are drawn as "il y a 3 min": redraw each time, the words age with the clock.
  const sources = result.body.sources;
  note("sources-note", sources.length === 0 ? T.sources_none : "");
  $("sources").hidden = sources.length === 0;
  fillRows($("sources"), sources.map(sourceRow));
}

// --- Projectors --------------------------------------------------------------------------------

function fact(list, name, value) {
  const item = el("div", "fact");
  const body = el("dd");
  body.append(value);
  item.append(el("dt", "", name), body);
  list.append(item);
}

function alerts(errors) {
  const bad = Object.entries(errors || {}).filter(([, level]) => level !== "ok");
  if (bad.length === 0) return el("span", "muted", T.none);
  const box = el("span", "alerts");
  for (const [part, level] of bad) {
    const words = fmt(T.alert_item, { part: label("part", part), level: label("level", level) });
    box.append(el("span", `badge level-${level}`, words));
  }
  return box;
}

/** A projector's problem in the staff's words: its code translated, never server English. */
function projectorProblem(projector) {
  const code = projector.last_error_code;
  if (!code) return "";
  const words = T[`projector_error_${code}`] || T.projector_error_failed;
  return fmt(words, projector.last_error_params || {});
}

function projectorItem(projector) {
  const item = el("li", "projector");
  item.dataset.projector = projector.name;
  const head = el("div", "projector-head");
  head.append(el("strong", "", projector.name));
  if (projector.reachable) {
    head.append(el("span", `badge power-${projector.power}`, label("power", projector.power)));
  } else {
    head.append(el("span", "badge level-error", T.unreachable));
  }
  const facts = el("dl", "facts");
  fact(facts, T.label_input, projector.input || "–");
  const hours = (projector.lamp_hours || []).map((h) => fmt(T.lamp_hours, { h }));
  fact(facts, T.label_lamp, hours.join(", ") || "–");
  fact(facts, T.label_alerts, alerts(projector.errors));
  const problem = projectorProblem(projector);
  fact(facts, T.label_last_error, lastError(problem, projector.last_error_at));
  facts.lastChild.classList.add("whole-row");
  item.append(head, facts);
  if (projector.wanted_power) {
    item.append(el("p", "muted small", label("wanted", projector.wanted_power)));
  }
  return item;
}

async function loadProjectors() {
  const result = await get("/api/projectors");
  if (result.status === 404) {
    note("projectors-note", T.projectors_unavailable);
    $("projectors").replaceChildren();
    return;
  }
  if (result.status !== 200 || !result.body || !Array.isArray(result.body.projectors)) return;
  const projectors = result.body.projectors;
  note("projectors-note", projectors.length === 0 ? T.projectors_none : "");
  $("projectors").replaceChildren(...projectors.map(projectorItem));
}

// --- Accounts ----------------------------------------------------------------------------------

async function setDisabled(account, disabled) {
  const verb = disabled ? "disable" : "enable";
  const url = `/api/accounts/${encodeURIComponent(account.username)}/${verb}`;
  const result = await post(url, {});
  if (result.status === 200) {
    const words = disabled ? T.account_disabled_done : T.account_enabled_done;
    toast.show(fmt(words, { name: account.username }), { kind: "ok" });
  } else if (result.status !== 401) {
    toast.show(accountError(result), { kind: "error" });
  }
  await loadAccounts(true);
}

// --- A new password for someone else: a form row under the account's row -------------------

function closeResetForms() {
  for (const row of document.querySelectorAll("#accounts tr.password-row")) row.remove();
  for (const button of document.querySelectorAll("#accounts [data-action='password']")) {
    button.setAttribute("aria-expanded", "false");
  }
}

async function resetPassword(account, input, error) {
  const url = `/api/accounts/${encodeURIComponent(account.username)}/password`;
  const result = await post(url, { new_password: input.value });
  if (result.status === 204) {
    closeResetForms();
    toast.show(fmt(T.reset_done, { name: account.username }), { kind: "ok" });
  } else if (result.status !== 401) {
    error.textContent = accountError(result);
    error.hidden = false;
    input.focus();
  }
}

/** New password, then a second press to confirm (like "Désactiver"); says what follows. */
function resetRow(account) {
  const form = el("form", "reset-form");
  form.noValidate = true;
  const label = el("label", "", fmt(T.reset_for, { name: account.username }));
  const input = el("input");
  Object.assign(input, { type: "text", autocomplete: "off", spellcheck: false, required: true });
  input.setAttribute("autocapitalize", "none");
  input.minLength = MIN_PASSWORD_CHARS;
  label.append(input);
  const save = el("button", "small-button danger");
  Object.assign(save, { type: "button", disabled: true });
  save.dataset.action = "reset-save";
  const cancel = el("button", "small-button", T.cancel);
  cancel.type = "button";
  cancel.addEventListener("click", closeResetForms);
  const error = el("p", "notice");
  error.hidden = true;
  error.setAttribute("role", "alert");
  const confirm = new ConfirmButton(save, {
    labels: () => ({ idle: T.reset_save, armed: T.reset_confirm }),
    run: () => resetPassword(account, input, error),
  });
  confirm.draw();
  // Too short cannot be saved (the server refuses it too): the note above says why.
  input.addEventListener("input", () => {
    save.disabled = input.value.length < MIN_PASSWORD_CHARS;
    if (confirm.armed) confirm.disarm();
    error.hidden = true;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!save.disabled) confirm.press(); // Enter: the same two steps as the button
  });
  const actions = el("div", "reset-actions");
  actions.append(save, cancel);
  form.append(label, el("p", "muted small", T.reset_note), actions, error);
  const row = el("tr", "password-row");
  row.dataset.passwordFor = account.username;
  const cell = el("td");
  cell.colSpan = 5;
  cell.append(form);
  row.append(cell);
  return row;
}

function toggleResetForm(account, button) {
  const open = button.getAttribute("aria-expanded") === "true";
  closeResetForms();
  if (open) return;
  const row = resetRow(account);
  button.closest("tr").after(row);
  button.setAttribute("aria-expanded", "true");
  row.querySelector("input").focus();
}

function resetButton(account) {
  const button = el("button", "small-button", T.reset_password);
  button.type = "button";
  button.dataset.action = "password";
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", () => toggleResetForm(account, button));
  return button;
}

function accountAction(account) {
  const cell = el("td", "action");
  if (account.username === session.username) return cell; // not one's own: ask someone else
  const button = el("button", "small-button");
  button.type = "button";
  button.dataset.action = account.disabled ? "enable" : "disable";
  if (account.disabled) {
    button.textContent = T.enable;
    button.addEventListener("click", () => setDisabled(account, false));
  } else {
    button.classList.add("danger");
    new ConfirmButton(button, {
      labels: () => ({ idle: T.disable, armed: T.disable_confirm }),
      run: () => setDisabled(account, true),
    }).draw();
  }
  cell.append(resetButton(account), button);
  return cell;
}

function accountRow(account) {
  const row = el("tr");
  row.dataset.account = account.username;
  row.classList.toggle("disabled", Boolean(account.disabled));
  const name = el("th", "name", account.username);
  if (account.username === session.username) name.append(el("span", "muted", ` (${T.you})`));
  const state = account.disabled ? T.account_disabled : T.account_active;
  row.append(
    name,
    el("td", "", label("role", account.role)),
    el("td", "wide-only", day(account.created_at)),
    el("td", account.disabled ? "muted" : "", state),
    accountAction(account),
  );
  return row;
}

async function loadAccounts(force = false) {
  const result = await get("/api/accounts");
  if (result.status !== 200 || !result.body || !Array.isArray(result.body.accounts)) return;
  if (force) drawn.accounts = "";
  if (!changed("accounts", result.body)) return;
  fillRows($("accounts"), result.body.accounts.map(accountRow));
}

function accountError(result) {
  const code = errorCode(result);
  return T[`error_${code}`] || failureText(result);
}

function formError(words) {
  $("account-error").textContent = words || "";
  $("account-error").hidden = !words;
}

async function addAccount(event) {
  event.preventDefault();
  const username = $("new-username").value.trim();
  const password = $("new-password").value;
  if (!username) return $("new-username").focus();
  if (password.length < MIN_PASSWORD_CHARS) {
    formError(T.error_weak_password);
    return $("new-password").focus();
  }
  $("account-submit").disabled = true;
  const payload = { username, password, role: $("new-role").value };
  const result = await post("/api/accounts", payload);
  $("account-submit").disabled = false;
  if (result.status === 201) {
    formError("");
    $("account-form").reset();
    toast.show(fmt(T.account_created, { name: username }), { kind: "ok" });
    return loadAccounts(true);
  }
  if (result.status !== 401) formError(accountError(result));
}

function wire() {
  $("account-form").addEventListener("submit", addAccount);
}

function reset() {
  for (const key of Object.keys(drawn)) drawn[key] = "";
  $("accounts").tBodies[0].replaceChildren();
  formError("");
}
export const Admin = { loadSources, loadProjectors, loadAccounts, wire, reset };
