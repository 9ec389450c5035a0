// Moderation page (/moderate): sign-in, the pending queue, decisions with undo, the live
// socket and the "on the wall now" strip. One page that never needs a reload: every change,
// ours or another moderator's, arrives as an event and is folded into `state`, then drawn.
import { $, T, pageData } from "../kit/page.js";
import { errorCode } from "../kit/http.js";
import { toast } from "../kit/toast.js";
import { wirePasswordDialog } from "../staff/password.js";
import * as Session from "../staff/session.js";
import { Live } from "../kit/live.js";
import { attachSwipe } from "./mod-swipe.js";
import * as View from "./mod-view.js";

const { get, post, session, failureText } = Session;
const { reasons } = pageData;

const QUEUE_LIMIT = 50;
const WALL_LIMIT = 30;
const REFILL_BELOW = 5; // load more before the moderator runs out of loaded photos
// How long the server keeps a moderator's last decision undoable (moderation/undo.py).
const UNDO_WINDOW_MS = pageData.undo_window_ms;
const CLOCK_REFRESH_MS = 30000; // "il y a 3 min" stays true
// A double tap on a decision button must not decide the next photo, unseen, as well.
const DOUBLE_TAP_GUARD_MS = 350;
const DECIDED_TOAST = {
  approve: "approved_toast",
  reject: "rejected_toast",
  remove: "removed_toast",
};

const state = {
  queue: [], // pending photos matching the filters, oldest first; the card shows queue[0]
  queueComplete: true, // false when the server holds more than we loaded
  queueLoading: true,
  backlog: null,
  wall: [], // approved photos, newest first
  filters: { source: "", flag: "" },
  inFlight: new Set(), // ids whose decision request has not answered yet
  rejectTarget: null,
  queueSeq: 0,
  wallSeq: 0,
};

// --- Drawing -----------------------------------------------------------------------------------

const isFiltered = () => Boolean(state.filters.source || state.filters.flag);
const renderWall = () => View.wallStrip(state.wall, removeFromWall);

function render() {
  View.card(state.queue[0] || null, { loading: state.queueLoading, filtered: isFiltered() });
  View.nextStrip(state.queue);
  View.sourceChips(state.queue);
  renderWall();
}

function setBacklog(count) {
  if (!Number.isInteger(count) || count < 0) return;
  state.backlog = count;
  View.backlog(count);
}

// --- Loading -----------------------------------------------------------------------------------

function reloadAll() {
  loadQueue();
  loadWall();
}

// Events that arrive while a list is loading may be missing from its answer (or be older
// than it): they are kept, and folded again into the list the load brings.
const loads = { running: 0, events: [] };

async function fetchList(params) {
  loads.running += 1;
  const mark = loads.events.length;
  try {
    const result = await get(`/api/moderation/queue?${params}`);
    return { result, missed: loads.events.slice(mark) };
  } finally {
    loads.running -= 1;
    if (loads.running === 0) loads.events = [];
  }
}

async function loadQueue() {
  const seq = ++state.queueSeq;
  const params = new URLSearchParams({ status: "pending", limit: String(QUEUE_LIMIT) });
  if (state.filters.source) params.set("source", state.filters.source);
  if (state.filters.flag) params.set("flag", state.filters.flag);
  const { result, missed } = await fetchList(params);
  if (seq !== state.queueSeq || !session.username) return; // a newer load, or signed out
  state.queueLoading = false;
  const page = result.body;
  if (result.status === 200 && page && Array.isArray(page.photos)) {
    state.queue = page.photos.filter((photo) => photo && !state.inFlight.has(photo.id));
    state.queueComplete = page.photos.length >= page.total;
    if (!isFiltered()) setBacklog(page.total);
    for (const message of missed) foldEvent(message, false);
  } else if (result.status !== 401) {
    toast.show(failureText(result), { kind: "error" });
  }
  render();
}

async function loadWall() {
  const seq = ++state.wallSeq;
  const params = new URLSearchParams({ status: "approved", order: "newest" });
  params.set("limit", String(WALL_LIMIT));
  const { result, missed } = await fetchList(params);
  if (seq !== state.wallSeq || !session.username) return;
  if (result.status === 200 && result.body && Array.isArray(result.body.photos)) {
    state.wall = result.body.photos.filter((photo) => !state.inFlight.has(photo.id));
    for (const message of missed) foldEvent(message, false);
    render();
  }
}

// --- Folding what we learn about a photo into the state ----------------------------------------

const matchesFilters = ({ source, flags }) =>
  (!state.filters.source || source === state.filters.source) &&
  (!state.filters.flag || (Array.isArray(flags) && flags.includes(state.filters.flag)));

const isPhoto = (photo) => Boolean(photo && typeof photo.id === "string" && photo.urls);

function dropFromQueue(id) {
  state.queue = state.queue.filter((photo) => photo.id !== id);
  if (!state.queueComplete && state.queue.length < REFILL_BELOW) loadQueue();
}

/** A pending photo: in place if known, at the front (an undo), or by arrival time. */
function addPending(photo, front = false) {
  if (!matchesFilters(photo) || state.inFlight.has(photo.id)) return;
  const known = state.queue.findIndex((other) => other.id === photo.id);
  if (known >= 0 && !front) {
    state.queue[known] = photo;
    return;
  }
  const others = state.queue.filter((other) => other.id !== photo.id);
  const arrived = Date.parse(photo.created_at);
  let index = front ? 0 : others.findIndex((other) => Date.parse(other.created_at) > arrived);
  if (index < 0) {
    if (!state.queueComplete) return; // newer than what we loaded: it comes with a refill
    index = others.length;
  }
  others.splice(index, 0, photo);
  state.queue = others;
}

function putOnWall(photo) {
  const index = state.wall.findIndex((other) => other.id === photo.id);
  if (index >= 0) state.wall[index] = photo;
  else state.wall = [photo, ...state.wall].slice(0, WALL_LIMIT);
}

function takeOffWall(id) {
  state.wall = state.wall.filter((photo) => photo.id !== id);
}

function applyPhoto(photo, front = false) {
  if (photo.status === "pending") addPending(photo, front);
  else dropFromQueue(photo.id);
  if (photo.status === "approved") putOnWall(photo);
  else takeOffWall(photo.id);
}

/** Someone else took the photo we are looking at: say so, and close its reason sheet. */
function noticeTaken(id, words) {
  if (state.inFlight.has(id)) return;
  if (state.queue[0] && state.queue[0].id === id) toast.show(words, { kind: "warn" });
  if (state.rejectTarget && state.rejectTarget.id === id) closeReasons();
}

// --- Live events -------------------------------------------------------------------------------

/** Folds one photo event into the state; `live` when it is news (not a replay after a load). */
function foldEvent(message, live) {
  const photo = message.photo;
  if (message.type === "photo.pending" && isPhoto(photo)) {
    addPending(photo);
    takeOffWall(photo.id);
  } else if (message.type === "photo.decided" && isPhoto(photo)) {
    if (live && photo.status !== "pending" && message.by !== session.username) {
      noticeTaken(photo.id, T.conflict);
    }
    applyPhoto(photo);
  } else if (message.type === "photo.deleted" && typeof message.photo_id === "string") {
    if (live) noticeTaken(message.photo_id, T.gone);
    dropFromQueue(message.photo_id);
    takeOffWall(message.photo_id);
  } else {
    return false;
  }
  return true;
}

function onLiveMessage(message) {
  if ("backlog" in message) setBacklog(message.backlog);
  if (message.type === "hello" || message.type === "resync") return reloadAll();
  if (!foldEvent(message, true)) return;
  if (loads.running > 0) loads.events.push(message);
  render();
}

const live = new Live("/ws/moderation", {
  onMessage: onLiveMessage,
  onState: (connected) => View.connection(connected),
  onUnauthorized: () => Session.end(T.session_expired),
  beforeReconnect: Session.check,
});

// --- Decisions ---------------------------------------------------------------------------------

async function decide(photo, decision, reason = "") {
  if (!photo || state.inFlight.has(photo.id)) return;
  state.inFlight.add(photo.id);
  if (decision === "remove") takeOffWall(photo.id);
  else dropFromQueue(photo.id);
  render();
  const payload = { decision, version: photo.version };
  if (reason) payload.reason = reason;
  const url = `/api/moderation/photos/${encodeURIComponent(photo.id)}/decision`;
  const result = await post(url, payload);
  state.inFlight.delete(photo.id);
  if (!session.username) return; // the session ended meanwhile
  if (result.status === 200 && isPhoto(result.body)) {
    applyPhoto(result.body);
    toast.show(T[DECIDED_TOAST[decision]], {
      kind: decision === "approve" ? "ok" : "info",
      durationMs: UNDO_WINDOW_MS,
      action: { label: T.undo, run: undo },
    });
  } else if (result.status === 409 || result.status === 404) {
    toast.show(result.status === 409 ? T.conflict : T.gone, { kind: "warn" });
    if (decision === "remove") loadWall(); // the strip may be stale: ask again
  } else {
    if (decision === "remove") putOnWall(photo); // not decided: it goes back where it was
    else addPending(photo, true);
    toast.show(failureText(result), { kind: "error" });
  }
  render();
}

async function undo() {
  toast.hide();
  const result = await post("/api/moderation/undo", {});
  if (!session.username) return;
  if (result.status === 200 && isPhoto(result.body)) {
    applyPhoto(result.body, true);
    render();
    return toast.show(T.undone, { kind: "ok" });
  }
  const code = errorCode(result);
  let words = failureText(result);
  if (code === "undo_expired") words = T.undo_expired;
  else if (result.status === 404) words = T.nothing_to_undo;
  else if (result.status === 409) words = T.conflict;
  toast.show(words, { kind: "warn" });
}

const current = () => state.queue[0] || null;
const currentIf = (id) => (current() && current().id === id ? current() : null);

function approve(id) {
  decide(currentIf(id), "approve");
}

function openReasons(id) {
  const photo = currentIf(id);
  if (!photo || state.inFlight.has(photo.id)) return;
  state.rejectTarget = photo;
  $("other-form").hidden = true;
  $("other-text").value = "";
  $("reasons").hidden = false;
  $("reasons").querySelector(".reason").focus();
}

function closeReasons() {
  state.rejectTarget = null;
  $("reasons").hidden = true;
}

function pickReason(code) {
  if (!state.rejectTarget) return;
  if (code !== "other") return rejectWith(code);
  $("other-form").hidden = false;
  $("other-text").focus();
}

function rejectWith(reason) {
  const photo = state.rejectTarget;
  closeReasons();
  if (photo && state.queue.some((other) => other.id === photo.id)) {
    decide(photo, "reject", reason);
  }
}

function removeFromWall(id) {
  decide(state.wall.find((photo) => photo.id === id), "remove");
}

// --- Filters and keys --------------------------------------------------------------------------

function setFilter(name, value) {
  state.filters[name] = state.filters[name] === value ? "" : value;
  for (const chip of document.querySelectorAll(".chip")) {
    const pressed = state.filters[chip.dataset.filter] === chip.dataset.value;
    chip.setAttribute("aria-pressed", String(pressed));
  }
  state.queue = [];
  state.queueLoading = true;
  render();
  loadQueue();
}

function onKey(event) {
  if ($("app").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target instanceof Element && event.target.closest("input, textarea");
  if (!$("reasons").hidden) {
    if (event.key === "Escape") closeReasons();
    else if (!typing && /^[1-9]$/.test(event.key) && reasons[Number(event.key) - 1]) {
      event.preventDefault(); // the digit must not land in the free-text field
      pickReason(reasons[Number(event.key) - 1]);
    }
    return;
  }
  if (typing || event.repeat) return;
  const key = event.key.toLowerCase();
  const id = current() && current().id;
  if (key === "a") approve(id);
  else if (key === "r") openReasons(id);
  else if (key === "u") undo();
  else return;
  event.preventDefault();
}

function signedIn() {
  render();
  reloadAll();
  live.start();
}

function signedOut() {
  live.stop();
  state.queueSeq += 1; // answers to this session's loads are dropped
  state.wallSeq += 1;
  Object.assign(state, { queue: [], wall: [], queueLoading: true });
  state.inFlight.clear();
  closeReasons();
  toast.hide();
  $("backlog").hidden = true;
  $("conn").hidden = true;
}

function wire() {
  const tapped = (decision) => () => {
    if (current() && View.cardAge() >= DOUBLE_TAP_GUARD_MS) decision(current().id);
  };
  $("approve").addEventListener("click", tapped(approve));
  $("reject").addEventListener("click", tapped(openReasons));
  for (const button of document.querySelectorAll(".reason")) {
    button.addEventListener("click", () => pickReason(button.dataset.reason));
  }
  $("other-form").addEventListener("submit", (event) => {
    event.preventDefault();
    rejectWith($("other-text").value.trim() || "other");
  });
  $("reasons-cancel").addEventListener("click", closeReasons);
  $("reasons").addEventListener("click", (event) => {
    if (event.target === $("reasons")) closeReasons(); // a tap beside the sheet
  });
  document.querySelector(".filters").addEventListener("click", (event) => {
    const chip = event.target.closest(".chip");
    if (chip) setFilter(chip.dataset.filter, chip.dataset.value);
  });
  $("clear-filters").addEventListener("click", () => {
    state.filters.flag = "";
    setFilter("source", "");
  });
  document.addEventListener("keydown", onKey);
  attachSwipe($("card"), {
    target: () => ($("reasons").hidden && current() ? current().id : null),
    onApprove: approve,
    onReject: openReasons,
  });
  setInterval(() => session.username && render(), CLOCK_REFRESH_MS);
}

wire();
wirePasswordDialog();
Session.start({ onSignedIn: signedIn, onSignedOut: signedOut, refused: T.not_moderator });
