// Operator console: what is on the wall now (the display's preview), the show's state in
// words, the "blank the wall now" switch, the next shows and the moderation backlog.
import { $, T, el, fmt } from "../kit/page.js";
import { toast } from "../kit/toast.js";
import { failureText, post } from "../staff/session.js";
import { ConfirmButton, day, dayTime, duration, secondsSince, time } from "./tools.js";

const PREVIEW_URL = "/api/console/preview.jpg";
const LIVE_CHECK_MS = 1000; // the badge follows the picture's age even when no answer comes

const state = { blanked: false, previewAt: null, onChange: () => {} };
// The picture's age as last reported, and when: the page ages it by its own clock, so a
// server or network gone quiet cannot leave "En direct" over an old picture.
const live = { at: null, age: 0, seenAt: 0, staleAfter: 5, serverStale: true };

// --- The wall now ------------------------------------------------------------------------------

const img = $("preview");
img.addEventListener("load", () => {
  img.hidden = false;
});
img.addEventListener("error", () => {
  img.hidden = true; // gone (a restarted server forgets its last picture): say so below
  state.previewAt = null;
});

function note(id, text, kind = "") {
  const node = $(id);
  node.textContent = text || "";
  node.className = `note ${kind}`;
  node.hidden = !text;
}

const previewAge = () => live.age + (performance.now() - live.seenAt) / 1000;

/** "En direct" only over a picture younger than the threshold, by the page's own clock. */
function drawLive() {
  const fresh = Boolean(live.at) && !live.serverStale && previewAge() <= live.staleAfter;
  $("preview-live").hidden = !fresh;
  img.closest(".preview-frame").classList.toggle("stale", Boolean(live.at) && !fresh);
  if (live.at && !fresh && !live.serverStale) {
    note("preview-note", fmt(T.preview_lost, { age: duration(previewAge()) }), "warn");
  }
}
setInterval(drawLive, LIVE_CHECK_MS);

/** The display's last picture, loaded again only when the server has a newer one. */
function preview(report, displays) {
  if (report.at && report.at !== state.previewAt) {
    state.previewAt = report.at;
    img.src = `${PREVIEW_URL}?at=${encodeURIComponent(report.at)}`; // a new URL: never cached
  }
  if (!report.at) {
    img.hidden = true;
    state.previewAt = null;
  }
  Object.assign(live, {
    at: report.at || null,
    age: Number(report.age_s) || 0,
    seenAt: performance.now(),
    staleAfter: Number(report.stale_after_s) || live.staleAfter,
    serverStale: Boolean(report.stale),
  });
  let words = "";
  let kind = "";
  if (report.at && report.stale) {
    words = fmt(T.preview_stale, { age: duration(report.age_s) });
    kind = "warn";
  } else if (!report.at) {
    words = displays > 0 ? T.preview_waiting : displays === 0 ? "" : T.preview_none;
  }
  note("preview-note", words, kind);
  note("display-note", displays === 0 ? T.no_display : "", "warn");
  drawLive();
}

function backlog(report) {
  const pending = Number(report.pending) || 0;
  let words = fmt(T.backlog_many, { n: pending });
  if (pending === 0) words = T.backlog_zero;
  else if (pending === 1) words = T.backlog_one;
  $("backlog-count").textContent = words;
  $("backlog-count").classList.toggle("calm", pending === 0);
  const oldest = pending > 0 && report.oldest_at;
  $("backlog-oldest").textContent = oldest
    ? fmt(T.backlog_oldest, { age: duration(secondsSince(report.oldest_at)) })
    : "";
  $("backlog-oldest").hidden = !oldest;
}

// --- The show ----------------------------------------------------------------------------------

/** The state in words: a word that can be read from across the room, then why, until when. */
function words(show) {
  if (show.reason === "blanked") return ["blanked", T.state_blanked, T.blanked_state];
  if (show.reason === "always") return ["lit", T.state_lit, T.lit_always];
  if (show.reason === "show") {
    return ["lit", T.state_lit, fmt(T.lit_show, { end: time(show.end) })];
  }
  const next = Array.isArray(show.upcoming) && show.upcoming[0];
  const detail = next ? fmt(T.dark_between, { next: dayTime(next[0]) }) : T.dark_no_next;
  return ["dark", T.state_dark, detail];
}

function showState(show) {
  if (!show || typeof show.reason !== "string") return;
  const [kind, word, detail] = words(show);
  $("show-state").textContent = word;
  $("show-detail").textContent = detail;
  $("show-box").dataset.state = kind;
  const blanked = kind === "blanked";
  document.body.classList.toggle("wall-blanked", blanked);
  $("blank-flag").hidden = !blanked;
  if (blanked !== state.blanked) {
    state.blanked = blanked;
    if (switcher.armed) switcher.disarm(); // armed for the other way: start again
    else switcher.draw();
  }
}

/** The display's own word when it keeps half its rate (its frames do not fit: even pacing). */
function frameRate(rate) {
  const reduced = Boolean(rate && rate.reduced);
  const words = reduced ? fmt(T.rate_reduced, { fps: rate.declared, of: rate.configured }) : "";
  note("rate-note", words, "warn");
}

/** The accounts' alarm: names someone keeps guessing at (most tries first). */
function guessing(alarms) {
  const list = Array.isArray(alarms) ? alarms : [];
  const words = list.length
    ? fmt(T.guessing, {
        names: list.map((alarm) => alarm.name).join(", "),
        n: list.reduce((sum, alarm) => sum + Number(alarm.failures || 0), 0),
      })
    : "";
  note("guessing-note", words, "warn");
}

/** One status report (each second): the preview, the displays, the backlog, the show. */
function status(report) {
  preview(report.preview || {}, Number(report.displays_connected));
  frameRate(report.frame_rate);
  backlog(report.backlog || {});
  guessing(report.sign_in_guessing);
  showState(report.show);
}

// --- The schedule ------------------------------------------------------------------------------

/** One night of the programme: a show, a special night (its own times), or a night off. */
function nightItem({ kind, start, end, day_at: dayAt }) {
  const item = el("li", `show-item ${kind === "show" ? "" : kind}`.trim());
  item.dataset.kind = kind;
  if (kind === "off") {
    item.append(el("span", "show-day", day(dayAt)), el("span", "show-hours", T.night_off));
    return item;
  }
  item.classList.toggle("now", secondsSince(start) >= 0 && secondsSince(end) < 0);
  const hours = el("span", "show-hours", `${time(start)}–${time(end)}`);
  if (kind === "special") hours.prepend(el("span", "badge special-badge", T.special_night), " ");
  item.append(el("span", "show-day", day(start)), hours);
  return item;
}

function schedule(show) {
  showState(show.state);
  const list = $("schedule-list");
  list.replaceChildren();
  // `nights` adds the nights off and names special nights; `upcoming` alone: shows only.
  const nights = Array.isArray(show.nights)
    ? show.nights
    : (show.upcoming || []).map((s) => ({ ...s, kind: "show" }));
  let words = "";
  if (!show.schedule_enabled) words = T.schedule_none;
  else if (!nights.some((night) => night.kind !== "off")) words = T.schedule_empty;
  $("schedule-note").textContent = words;
  $("schedule-note").hidden = !words;
  list.append(...(show.schedule_enabled ? nights : []).map(nightItem));
  $("timezone-note").textContent = fmt(T.timezone_note, { zone: show.timezone || "" });
}

// --- The switch --------------------------------------------------------------------------------

async function flip() {
  const wanted = !state.blanked;
  const result = await post("/api/console/blank", { blanked: wanted });
  if (result.status === 200 && result.body && result.body.state) {
    schedule(result.body);
    toast.show(wanted ? T.blank_done : T.light_done, { kind: wanted ? "warn" : "ok" });
    state.onChange();
  } else if (result.status !== 401) {
    toast.show(failureText(result), { kind: "error" });
  }
}

const switcher = new ConfirmButton($("blank-switch"), {
  labels: () =>
    state.blanked
      ? { idle: T.light_again, armed: T.light_confirm }
      : { idle: T.blank_now, armed: T.blank_confirm },
  run: flip,
  cancel: $("blank-cancel"),
  hint: $("blank-hint"),
});
switcher.draw();

/** After sign-out: nothing of the last session stays on screen. */
function reset() {
  state.previewAt = null;
  live.at = null;
  img.hidden = true;
  img.removeAttribute("src");
  switcher.disarm();
}
export const Show = {
  status,
  schedule,
  reset,
  set onChange(callback) {
    state.onChange = callback;
  },
};
