// Operator console: the announcements card. Lists the slides with their preview (drawn by the
// server with the display's own code), creates and edits them in a form that works with a
// finger (big fields, native date and time pickers), previews a draft before it is saved,
// deletes on a second press. Errors are the server's own words, in the page's language, and
// the faulty field takes the focus.
import { $, T, el, fmt } from "../kit/page.js";
import { errorCode, request } from "../kit/http.js";
import * as Session from "../staff/session.js";
import { ConfirmButton } from "./tools.js";

const LIST_URL = "/api/console/announcements";
const REFRESH_MS = 30000; // another operator's changes, a window that opens or closes
const WAIT_FOR_SIGN_IN_MS = 1000;
const REQUEST_TIMEOUT_MS = 60000; // an image upload from a phone on a venue's Wi-Fi
const FIELDS = ["title_fr", "text_fr", "title_en", "text_en", "first_day", "last_day", "start",
  "end", "every_minutes", "seconds"];

const state = { list: [], editing: null, previewUrl: "", csrf: "", drawn: "" };

function say(id, words) {
  $(id).textContent = words || "";
  $(id).hidden = !words;
}

/** The session's CSRF token, asked of the server once (the kit keeps its own private). */
async function csrf(fresh = false) {
  if (!state.csrf || fresh) {
    const me = await request("GET", "/api/auth/me");
    state.csrf = (me.body && me.body.csrf_token) || "";
  }
  return state.csrf;
}

/** A multipart request (the image travels as a file); resolves {status, body | blob}. */
async function sendForm(method, url, form, { blob = false } = {}) {
  for (const fresh of [false, true]) {
    let response;
    try {
      response = await fetch(url, {
        method,
        body: form,
        headers: { "X-CSRF-Token": await csrf(fresh), Accept: blob ? "image/jpeg" : "application/json" },
        credentials: "same-origin",
        cache: "no-store",
        signal: AbortSignal.timeout ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
      });
    } catch {
      return { status: 0, body: null };
    }
    if (response.ok && blob) return { status: response.status, blob: await response.blob() };
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    const result = { status: response.status, body };
    if (!(response.status === 403 && errorCode(result) === "csrf")) {
      if (response.status === 401 && Session.session.username) Session.end(T.session_expired);
      return result;
    }
  }
  return { status: 403, body: null };
}

function errorText(result) {
  const code = errorCode(result);
  if (code === "conflict") return T.ann_conflict;
  if (code === "not_found") return T.ann_gone;
  return (result.body && result.body.error && result.body.error.message) || Session.failureText(result);
}

// --- The list ---------------------------------------------------------------------------------

const dayText = (iso) => {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(document.documentElement.lang, {
    day: "numeric", month: "short", timeZone: "UTC",
  });
};

function describe(slide) {
  const when = fmt(T.ann_window, {
    first: dayText(slide.first_day), last: dayText(slide.last_day), start: slide.start, end: slide.end,
  });
  const pace = slide.every_minutes === null
    ? fmt(T.ann_between_layouts, { s: slide.seconds })
    : fmt(T.ann_every_n, { n: slide.every_minutes, s: slide.seconds });
  return `${when} · ${pace}`;
}

function item(slide) {
  const row = el("li", `ann-item state-${slide.state}`);
  const picture = el("img", "ann-thumb");
  picture.alt = T.ann_preview_alt;
  picture.loading = "lazy";
  picture.src = slide.preview_url;
  const words = el("div", "ann-words");
  words.append(
    el("span", `ann-state ${slide.state}`, T[`ann_state_${slide.state}`]),
    el("strong", "", slide.title_fr || slide.title_en || T.ann_image_only),
    el("span", "muted", describe(slide)),
  );
  const actions = el("div", "ann-actions");
  const edit = el("button", "small-button", T.ann_edit);
  edit.type = "button";
  edit.addEventListener("click", () => openForm(slide));
  const remove = el("button", "small-button", T.ann_delete);
  remove.type = "button";
  new ConfirmButton(remove, {
    labels: () => ({ idle: T.ann_delete, armed: T.ann_delete_confirm }),
    run: () => removeSlide(slide),
  });
  actions.append(edit, remove);
  row.append(picture, words, actions);
  return row;
}

function drawList() {
  const drawn = JSON.stringify(state.list.map((s) => [s.id, s.version, s.state]));
  if (drawn === state.drawn) return; // a poll never swaps a row under a finger
  state.drawn = drawn;
  $("ann-list").replaceChildren(...state.list.map(item));
  $("ann-none").hidden = state.list.length > 0;
}

export async function load() {
  const result = await Session.get(LIST_URL);
  if (result.status !== 200 || !result.body) return;
  state.list = result.body.announcements;
  drawList();
}

async function removeSlide(slide) {
  const result = await sendForm("DELETE", `${LIST_URL}/${encodeURIComponent(slide.id)}`, undefined);
  say("ann-note", result.status === 204 ? T.ann_deleted : errorText(result));
  await load();
}

// --- The form ---------------------------------------------------------------------------------

function kind() {
  return document.querySelector("input[name=ann-kind]:checked").value;
}

function cadence() {
  return document.querySelector("input[name=ann-cadence]:checked").value;
}

function syncForm() {
  const text = kind() === "text";
  for (const id of ["ann-words-fields"]) $(id).hidden = !text;
  $("ann-image-label").textContent = text ? T.ann_image_text : T.ann_image;
  $("ann-every_minutes").disabled = cadence() !== "every";
  $("ann-keep-row").hidden = !(state.editing && state.editing.has_image);
}

function today(offsetDays = 0) {
  const day = new Date(Date.now() + offsetDays * 86400000);
  return day.toISOString().slice(0, 10);
}

function openForm(slide = null) {
  state.editing = slide;
  $("ann-form-title").textContent = slide ? T.ann_edit_title : T.ann_new;
  const values = slide || {
    title_fr: "", text_fr: "", title_en: "", text_en: "", first_day: today(), last_day: today(),
    start: "21:00", end: "23:30", every_minutes: 15, seconds: 10,
  };
  for (const name of FIELDS) $(`ann-${name}`).value = values[name] ?? "";
  if (slide && slide.every_minutes === null) $("ann-every_minutes").value = 15;
  document.querySelector(`input[name=ann-kind][value=${slide ? slide.kind : "text"}]`).checked = true;
  const pace = slide && slide.every_minutes === null ? "between" : "every";
  document.querySelector(`input[name=ann-cadence][value=${pace}]`).checked = true;
  $("ann-image").value = "";
  $("ann-keep").checked = true;
  say("ann-error", "");
  showPreview(null);
  $("ann-form").hidden = false;
  $("ann-open").hidden = true;
  syncForm();
  $("ann-title_fr").focus();
}

function closeForm() {
  state.editing = null;
  $("ann-form").hidden = true;
  $("ann-open").hidden = false;
  showPreview(null);
}

function formData() {
  const form = new FormData();
  form.set("kind", kind());
  form.set("cadence", cadence());
  for (const name of FIELDS) form.set(name, $(`ann-${name}`).value);
  const file = $("ann-image").files[0];
  if (file) form.set("image", file, file.name);
  if (state.editing) {
    form.set("version", String(state.editing.version));
    form.set("keep_image", $("ann-keep").checked ? "true" : "false");
    form.set("from_id", $("ann-keep").checked ? state.editing.id : "");
  }
  return form;
}

function showError(result) {
  say("ann-error", errorText(result));
  const field = result.body && result.body.error && result.body.error.field;
  const input = field && $(`ann-${field}`);
  if (input) input.focus();
}

function showPreview(blob) {
  if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
  state.previewUrl = blob ? URL.createObjectURL(blob) : "";
  $("ann-preview-img").src = state.previewUrl;
  $("ann-preview-box").hidden = !blob;
}

async function preview() {
  say("ann-error", "");
  const result = await sendForm("POST", `${LIST_URL}/preview`, formData(), { blob: true });
  if (result.blob) showPreview(result.blob);
  else showError(result);
}

async function save(event) {
  event.preventDefault();
  say("ann-error", "");
  const editing = state.editing;
  const url = editing ? `${LIST_URL}/${encodeURIComponent(editing.id)}` : LIST_URL;
  const result = await sendForm(editing ? "PUT" : "POST", url, formData());
  if (result.status === 200 || result.status === 201) {
    closeForm();
    say("ann-note", T.ann_saved);
    await load();
    return;
  }
  showError(result);
  if (errorCode(result) === "conflict") await load();
}

function wire() {
  $("ann-open").addEventListener("click", () => openForm());
  $("ann-cancel").addEventListener("click", closeForm);
  $("ann-preview").addEventListener("click", preview);
  $("ann-form").addEventListener("submit", save);
  for (const input of document.querySelectorAll("input[name=ann-kind], input[name=ann-cadence]")) {
    input.addEventListener("change", syncForm);
  }
}

/** Starts once the console shows (signed in), then keeps the list fresh. */
async function run() {
  wire();
  while ($("app").hidden) await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_SIGN_IN_MS));
  await load();
  setInterval(() => {
    if (!$("app").hidden) load();
  }, REFRESH_MS);
}

run();
