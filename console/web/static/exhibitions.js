// Operator console: the travelling exhibition. Name one, tap photos to pick them (approved
// photos whose author agreed to prints), tap again to take them out, download the print
// package while a bar follows the server's progress (the .zip itself goes to the browser's
// own downloads: streamed to disk, never held in the page).
import { $, T, el, fmt, lang, pageData } from "../kit/page.js";
import { errorCode, request } from "../kit/http.js";
import * as Session from "../staff/session.js";
import { ConfirmButton } from "./tools.js";

const PAGE_SIZE = 60;
// While the panel is on screen, a contributor's delete leaves the picker within this time.
const ON_SCREEN_INTERVAL_MS = 2000;
const PROGRESS_POLL_MS = 700;
// A download whose first step has not been reported by then did not start (or was refused).
const PROGRESS_START_TIMEOUT_MS = 20000;
// No step for this long (the download was cancelled in the browser, the server restarted):
// the bar stops and says so. A photo or the catalogue takes seconds, not a minute.
const PROGRESS_STALL_MS = 60000;
const MAX_PHOTOS = pageData.exhibition_max_photos;

const state = {
  list: [],
  current: "", // the exhibition shown
  picked: new Set(), // its photos' ids
  candidates: [],
  total: 0,
  exporting: false,
  drawnCandidates: "", // what the lists show now (see drawCandidates)
  drawnPicked: "",
  onScreen: false, // the panel is in view (IntersectionObserver)
};

/** A JSON request that changes something: CSRF retry and sign-in check, as Session.post. */
async function send(method, url, payload) {
  let result = await request(method, url, payload);
  if (result.status === 403 && errorCode(result) === "csrf" && (await Session.check())) {
    result = await request(method, url, payload);
  }
  if (result.status === 401 && Session.session.username) Session.end(T.session_expired);
  return result;
}

function say(id, words) {
  $(id).textContent = words || "";
  $(id).hidden = !words;
}

function errorText(result) {
  const code = errorCode(result);
  if (code === "not_found") return T.error_photo_gone;
  if (code === "exhibition_full") return fmt(T.error_exhibition_full, { max: MAX_PHOTOS });
  if (code === "invalid_field") return T.error_name;
  return T[`error_${code}`] || Session.failureText(result);
}

function photoName(photo) {
  if (!photo.author) return T.exhibition_photo_anonymous;
  return fmt(T.exhibition_photo_of, { author: photo.author });
}

// --- Drawing -----------------------------------------------------------------------------------

function tile(photo, pressed, label) {
  const button = el("button", "pick");
  button.type = "button";
  button.dataset.photo = photo.id;
  button.setAttribute("aria-pressed", String(pressed));
  button.setAttribute("aria-label", label);
  const image = el("img");
  image.alt = "";
  image.loading = "lazy";
  image.decoding = "async";
  if (photo.thumb_url) image.src = photo.thumb_url;
  const words = el("span", "pick-text");
  words.append(el("strong", "", photo.author || T.exhibition_photo_anonymous));
  if (photo.caption) words.append(el("span", "", photo.caption));
  button.append(image, words, el("span", "tick", T.exhibition_picked));
  return button;
}

function drawCandidates() {
  // Redrawn only when something changed: a poll must not swap a tile under a finger.
  const shown = state.candidates.map((photo) => [photo.id, state.picked.has(photo.id)]);
  const drawn = JSON.stringify([state.total, shown]);
  if (drawn === state.drawnCandidates) return;
  state.drawnCandidates = drawn;
  const items = state.candidates.map((photo) => {
    const picked = state.picked.has(photo.id);
    const label = picked
      ? fmt(T.exhibition_remove_label, { name: photoName(photo) })
      : fmt(T.exhibition_add, { name: photoName(photo) });
    const item = el("li");
    item.append(tile(photo, picked, label));
    return item;
  });
  $("exhibition-candidates").replaceChildren(...items);
  $("candidates-none").hidden = state.total > 0;
  $("candidates-more").hidden = state.candidates.length >= state.total;
}

function drawPicked(exhibition) {
  state.picked = new Set(exhibition.photos.map((photo) => photo.id));
  $("exhibition-count").textContent = fmt(T.exhibition_count, {
    n: exhibition.photo_count,
    max: MAX_PHOTOS,
  });
  const drawn = JSON.stringify(exhibition.photos.map((photo) => photo.id));
  if (drawn === state.drawnPicked) return;
  state.drawnPicked = drawn;
  const items = exhibition.photos.map((photo) => {
    const item = el("li", "picked-item");
    const shown = tile(photo, true, photoName(photo));
    shown.disabled = true; // a picture here; the button below takes it out
    shown.removeAttribute("aria-pressed");
    const remove = el("button", "small-button", T.exhibition_remove);
    remove.type = "button";
    remove.dataset.remove = photo.id;
    remove.setAttribute("aria-label", fmt(T.exhibition_remove_label, { name: photoName(photo) }));
    item.append(shown, remove);
    return item;
  });
  $("exhibition-photos").replaceChildren(...items);
  $("exhibition-empty").hidden = items.length > 0;
}

function drawList() {
  const select = $("exhibition-pick");
  const options = state.list.map((exhibition) => {
    const option = el("option", "", exhibition.name);
    option.value = exhibition.id;
    return option;
  });
  select.replaceChildren(...options);
  select.disabled = options.length === 0;
  if (!state.list.some((e) => e.id === state.current)) state.current = state.list[0]?.id || "";
  select.value = state.current;
  $("exhibition-none").hidden = state.list.length > 0;
  $("exhibition-body").hidden = !state.current;
}

// --- Loading -----------------------------------------------------------------------------------

async function loadCurrent() {
  if (!state.current) return;
  const shown = state.current;
  const result = await Session.get(`/api/console/exhibitions/${encodeURIComponent(shown)}`);
  if (shown !== state.current) return;
  if (result.status === 200 && result.body && Array.isArray(result.body.photos)) {
    drawPicked(result.body);
    drawCandidates();
  } else if (result.status === 404) {
    state.current = "";
    await load();
  }
}

async function loadCandidates(more = false) {
  const offset = more ? state.candidates.length : 0;
  const limit = more ? PAGE_SIZE : Math.max(PAGE_SIZE, state.candidates.length);
  const result = await Session.get(`/api/console/print-photos?limit=${limit}&offset=${offset}`);
  if (result.status !== 200 || !result.body || !Array.isArray(result.body.photos)) return;
  state.candidates = more ? [...state.candidates, ...result.body.photos] : result.body.photos;
  state.total = Number(result.body.total) || 0;
  drawCandidates();
}

/** The poller's task: the list, the exhibition shown and the photos to pick from; soon
 * again while the panel is on screen (the console's own pace otherwise). */
async function load() {
  const again = state.onScreen && !document.hidden ? ON_SCREEN_INTERVAL_MS : undefined;
  const result = await Session.get("/api/console/exhibitions");
  if (result.status !== 200 || !result.body || !Array.isArray(result.body.exhibitions)) return;
  state.list = result.body.exhibitions;
  drawList();
  if (state.exporting) return again; // the bar is the news; the lists catch up afterwards
  await loadCurrent();
  await loadCandidates();
  return again;
}

// --- Acting ------------------------------------------------------------------------------------

async function create(event) {
  event.preventDefault();
  const name = $("exhibition-name").value.trim();
  if (!name) return say("exhibition-form-error", T.error_name);
  const result = await send("POST", "/api/console/exhibitions", { name });
  if (result.status !== 201 || !result.body) return say("exhibition-form-error", errorText(result));
  say("exhibition-form-error", "");
  $("exhibition-name").value = "";
  state.current = result.body.id;
  await load();
}

async function toggle(button) {
  const photoId = button.dataset.photo;
  const picked = button.getAttribute("aria-pressed") === "true";
  const path = `/api/console/exhibitions/${encodeURIComponent(state.current)}/photos/`;
  button.disabled = true;
  const result = await send(picked ? "DELETE" : "PUT", path + encodeURIComponent(photoId));
  button.disabled = false;
  if (result.status !== 200) {
    say("exhibition-error", errorText(result));
    if (result.status === 404 || result.status === 409) await loadCandidates();
    return;
  }
  say("exhibition-error", "");
  await loadCurrent();
}

async function removePicked(photoId) {
  const path = `/api/console/exhibitions/${encodeURIComponent(state.current)}/photos/`;
  const result = await send("DELETE", path + encodeURIComponent(photoId));
  if (result.status !== 200) return say("exhibition-error", errorText(result));
  await loadCurrent();
}

function jobId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function showProgress(step) {
  const bar = $("export-progress");
  const total = Math.max(1, Number(step.total) || 0);
  bar.max = total + 1; // the catalogue is the last step
  if (step.phase === "photos") {
    bar.value = Number(step.done) || 0;
    return fmt(T.export_photos, step);
  }
  if (step.phase === "catalogue") {
    bar.value = total;
    return fmt(T.export_catalogue, step);
  }
  bar.value = bar.max;
  return fmt(step.phase === "done" ? T.export_done : T.export_failed, step);
}

/** The package goes to the browser's downloads; the bar follows the server's steps. */
async function download() {
  if (!state.current || state.exporting) return;
  const exhibition = encodeURIComponent(state.current);
  const job = jobId();
  const link = el("a");
  link.href = `/api/console/exhibitions/${exhibition}/package?job=${job}&lang=${lang}`;
  link.download = "";
  link.hidden = true;
  document.body.append(link);
  state.exporting = true;
  $("exhibition-download").disabled = true;
  $("export-box").hidden = false;
  $("export-progress").removeAttribute("value"); // indeterminate until the first step
  $("export-status").textContent = T.export_waiting;
  link.click();
  link.remove();
  let moved = Date.now(); // when the server last reported a new step
  let last = "";
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
      const asked = `/api/console/exhibitions/${exhibition}/progress?job=${job}`;
      const result = await Session.get(asked);
      const step = result.status === 200 && result.body ? result.body : null;
      if (step && JSON.stringify(step) !== last) {
        last = JSON.stringify(step);
        moved = Date.now();
        $("export-status").textContent = showProgress(step);
        if (step.phase === "done" || step.phase === "failed") break;
      } else if (Date.now() - moved > (step ? PROGRESS_STALL_MS : PROGRESS_START_TIMEOUT_MS)) {
        $("export-status").textContent = T.export_lost;
        break;
      }
    }
  } finally {
    state.exporting = false;
    $("exhibition-download").disabled = false;
  }
}

async function deleteCurrent() {
  const path = `/api/console/exhibitions/${encodeURIComponent(state.current)}`;
  const result = await send("DELETE", path);
  if (result.status !== 204 && result.status !== 404) {
    return say("exhibition-error", errorText(result));
  }
  say("exhibition-error", "");
  state.current = "";
  await load();
}

function wire(reload) {
  if (window.IntersectionObserver) {
    const panel = $("exhibitions-title").closest("section");
    new IntersectionObserver((seen) => {
      const before = state.onScreen;
      state.onScreen = seen.some((entry) => entry.isIntersecting);
      if (state.onScreen && !before) reload(); // and every 2 s from now on (see load)
    }).observe(panel);
  }
  $("exhibition-form").addEventListener("submit", create);
  $("exhibition-pick").addEventListener("change", () => {
    state.current = $("exhibition-pick").value;
    state.drawnPicked = "";
    $("export-box").hidden = true;
    loadCurrent();
  });
  $("exhibition-candidates").addEventListener("click", (event) => {
    const button = event.target.closest("button.pick");
    if (button && !button.disabled) toggle(button);
  });
  $("exhibition-photos").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-remove]");
    if (button) removePicked(button.dataset.remove);
  });
  $("candidates-more").addEventListener("click", () => loadCandidates(true));
  $("exhibition-download").addEventListener("click", download);
  new ConfirmButton($("exhibition-delete"), {
    labels: () => ({ idle: T.exhibition_delete, armed: T.exhibition_delete_confirm }),
    run: deleteCurrent,
  });
}

function reset() {
  Object.assign(state, { list: [], current: "", picked: new Set(), candidates: [], total: 0 });
  Object.assign(state, { drawnCandidates: "", drawnPicked: "" });
  $("exhibition-body").hidden = true;
  $("export-box").hidden = true;
}

export const Exhibitions = { load, wire, reset };
