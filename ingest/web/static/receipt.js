// Receipt page (/r/{id}#t=TOKEN): the photo, its life on the wall in plain words (waiting,
// on the wall right now, shown at 21:43), kept up to date by itself, and its deletion.
// The token lives in the URL fragment, which browsers never send in a request line.
import { $, T, fmt, lang } from "../kit/page.js";
import { errorText, fetchWithRetries, receipts } from "./visitor.js";

// Waiting or on the wall: a change shows within seconds, at one small request each time.
const POLL_MS = 5000;
const SLOW_POLL_MS = 30000; // taken off the wall: it may come back, not in a hurry
const MAX_BACKOFF_MS = 60000; // a server or a network gone for long: one try a minute
const FINAL = new Set(["rejected", "deleted"]); // nothing more will happen to it
const LOCALES = { fr: "fr-FR", en: "en-GB" };
const SCOPES = ["wall", "online", "print"]; // what a consent covers, in the page's order

const show = (id, visible) => {
  $(id).hidden = !visible;
};

function message(text, done = false) {
  $("message").textContent = text;
  $("message").classList.toggle("done", done);
}

/** A clock time and a day in the wall's timezone (the clock on the square), or the phone's. */
function formatters(zone) {
  const locale = LOCALES[lang] || LOCALES.fr;
  const build = (timeZone) => ({
    time: new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone,
    }),
    day: new Intl.DateTimeFormat(locale, {
      weekday: "long",
      day: "numeric",
      month: "long",
      timeZone,
    }),
  });
  try {
    return build(zone || undefined);
  } catch {
    return build(undefined); // a zone this browser does not know
  }
}

/** "Montrée sur le mur à 21:43", with the day when it was not today. */
function shownWords(iso, zone) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return T.status_approved;
  const format = formatters(zone);
  const time = format.time.format(at);
  const day = format.day.format(at);
  return day === format.day.format(new Date())
    ? fmt(T.status_shown_at, { time })
    : fmt(T.status_shown_on, { day, time });
}

function statusWords(photo) {
  if (photo.status === "approved") {
    if (photo.on_wall_now) return T.status_on_wall;
    return photo.shown_at ? shownWords(photo.shown_at, photo.timezone) : T.status_approved;
  }
  if (photo.status === "rejected" && photo.reason === "duplicate") {
    return T.receipt_rejected_duplicate;
  }
  return T[`status_${photo.status}`] || photo.status;
}

/** What the contributor consented to, and who they said is speaking (and whether the wall
 * says it). Words from the page's texts only: the API's values are never shown as such. */
function showChoices(photo) {
  const gone = photo.status === "deleted"; // nothing of it is used any more
  const given = Array.isArray(photo.consent_scopes) && !gone ? photo.consent_scopes : [];
  const scopes = SCOPES.filter((scope) => given.includes(scope)).map((s) => T[`scope_${s}`]);
  $("photo-scopes").replaceChildren(
    ...scopes.map((words) => {
      const item = document.createElement("li");
      item.textContent = words;
      return item;
    }),
  );
  show("photo-consent", scopes.length > 0);
  show("consent-term", scopes.length > 0);
  const said = photo.speaker && !gone ? T[`speaker_${photo.speaker}`] : "";
  const wording = photo.speaker_in_credit ? T.speaker_shown : T.speaker_not_shown;
  $("photo-speaker").textContent = said ? fmt(wording, { speaker: said }) : "";
  show("photo-speaker", Boolean(said));
  show("speaker-term", Boolean(said));
}

function start(box) {
  const id = box.dataset.photoId;
  if (!id) return; // the server already wrote "not found"
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("t");
  const token = fromHash || (receipts.find(id) || {}).token;
  if (!token) return message(T.missing_token);
  const apiUrl = `/api/photos/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
  // The language switch must keep the token, which lives in the fragment.
  const langSwitch = $("lang-switch");
  if (location.hash) langSwitch.href = langSwitch.getAttribute("href") + location.hash;
  const thumb = $("photo-thumb");
  const state = { timer: 0, failures: 0, asking: false, stopped: false, thumbUrl: "" };

  thumb.addEventListener("error", () => show("thumb-box", false)); // files wiped meanwhile
  thumb.addEventListener("load", () => show("thumb-box", true));

  function showThumb(photo) {
    const url = photo.thumb_url && photo.status !== "deleted" ? photo.thumb_url : "";
    if (url === state.thumbUrl) return;
    state.thumbUrl = url;
    if (url) thumb.src = `${url}?token=${encodeURIComponent(token)}`;
    else {
      thumb.removeAttribute("src");
      show("thumb-box", false);
    }
  }

  function showPhoto(photo) {
    message("");
    show("details", true);
    $("photo-status").textContent = statusWords(photo);
    const onWall = photo.status === "approved" && Boolean(photo.on_wall_now);
    $("photo-status").classList.toggle("state-on-wall", onWall);
    for (const field of ["caption", "author"]) {
      const value = typeof photo[field] === "string" ? photo[field] : "";
      $(`photo-${field}`).textContent = value; // text, never markup: captions are untrusted
      show(`photo-${field}`, Boolean(value));
      show(`${field}-term`, Boolean(value));
    }
    showChoices(photo);
    showThumb(photo);
    show("live-note", !FINAL.has(photo.status));
    // While the visitor is confirming a deletion, the buttons stay as they are.
    if ($("confirm").hidden) show("delete", photo.status !== "deleted");
  }

  function stop() {
    state.stopped = true;
    clearTimeout(state.timer);
    show("live-note", false);
  }

  function later(ms) {
    clearTimeout(state.timer);
    if (!state.stopped) state.timer = setTimeout(refresh, ms);
  }

  /** One look at the photo; then the next one, sooner or later depending on its status. */
  async function refresh() {
    if (state.stopped || state.asking) return;
    if (document.hidden) return; // a phone in a pocket: asked again when it comes back
    state.asking = true;
    show("reload", false);
    const { status, body } = await fetchWithRetries(apiUrl, "GET");
    state.asking = false;
    if (state.stopped) return;
    if (status === 200 && body) {
      state.failures = 0;
      showPhoto(body);
      if (FINAL.has(body.status)) stop();
      else later(body.status === "removed" ? SLOW_POLL_MS : POLL_MS);
      return;
    }
    message(status === 0 ? T.network_error : errorText(status, body));
    if (status === 404) {
      receipts.remove(id);
      for (const part of ["details", "thumb-box", "delete"]) show(part, false);
      return stop();
    }
    show("reload", true);
    state.failures += 1;
    later(Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** state.failures));
  }

  async function remove() {
    show("confirm", false);
    stop();
    message(T.deleting);
    const { status, body } = await fetchWithRetries(apiUrl, "DELETE");
    if (status === 204 || status === 200) {
      receipts.remove(id);
      show("details", false);
      showThumb({ status: "deleted" });
      history.replaceState(null, "", location.pathname + location.search); // token is spent
      langSwitch.href = langSwitch.getAttribute("href").split("#")[0];
      message(T.deleted, true);
      $("message").focus();
      return;
    }
    message(status === 0 ? T.network_error : errorText(status, body));
    show("delete", status !== 404);
    if (status !== 404) {
      state.stopped = false;
      later(POLL_MS);
    }
  }

  $("delete").addEventListener("click", () => {
    show("delete", false);
    show("confirm", true);
    $("confirm-no").focus(); // the safe choice has the focus
  });
  $("confirm-no").addEventListener("click", () => {
    show("confirm", false);
    show("delete", true);
    $("delete").focus();
  });
  $("confirm-yes").addEventListener("click", remove);
  $("reload").addEventListener("click", refresh);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) later(0);
  });
  message(T.loading);
  refresh();
}

start($("receipt"));
