// Operator console, shared pieces: the wall's clock (dates and times in the wall's timezone,
// durations, "il y a 3 min"), the press-and-confirm button, the refresh loop, table rows and
// SVG. Built on the shared kit (../kit: page data, texts).
import { T, fmt, pageData } from "../kit/page.js";

// A confirmation left hanging must not fire minutes later on an unrelated tap.
const CONFIRM_WINDOW_MS = 5000;
const SVG_NS = "http://www.w3.org/2000/svg";

/** A formatter in the wall's timezone; the browser's own if the name is unknown to it. */
function wallFormat(options) {
  try {
    return new Intl.DateTimeFormat(pageData.lang, { ...options, timeZone: pageData.timezone });
  } catch {
    return new Intl.DateTimeFormat(pageData.lang, options);
  }
}

const dayFormat = wallFormat({ weekday: "short", day: "numeric", month: "short" });
const timeFormat = wallFormat({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const partsFormat = wallFormat({
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  hourCycle: "h23",
});

const toDate = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
};
export const day = (iso) => (toDate(iso) ? dayFormat.format(toDate(iso)) : "");
export const time = (iso) => (toDate(iso) ? timeFormat.format(toDate(iso)) : "");
export const dayTime = (iso) => `${day(iso)} ${time(iso)}`.trim();

/** "8 s", "12 min", "2 h 05 min": how long, in words the staff read at a glance. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 120) return fmt(T.dur_s, { n: s });
  if (s < 3600) return fmt(T.dur_min, { n: Math.floor(s / 60) });
  const m = Math.floor((s % 3600) / 60);
  return fmt(T.dur_h, { h: Math.floor(s / 3600), m: String(m).padStart(2, "0") });
}

export const secondsSince = (iso) => (toDate(iso) ? (Date.now() - toDate(iso).getTime()) / 1000 : 0);
export const ago = (iso) => (iso ? fmt(T.ago, { age: duration(secondsSince(iso)) }) : T.never);

/** The wall's calendar date (YYYY-MM-DD) and hour at `date`. */
function wallParts(date) {
  const parts = Object.fromEntries(partsFormat.formatToParts(date).map((p) => [p.type, p.value]));
  return { iso: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) % 24 };
}

/** Tonight's name, as console/night.py names nights: the evening's date, noon to noon. */
export function currentNight(now = new Date()) {
  const { iso, hour } = wallParts(now);
  if (hour >= pageData.night_turn_hour) return iso;
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}

/**
 * A button that acts on its second press within a few seconds, in the same place: fast in an
 * emergency, yet a stray tap does nothing. labels() → {idle, armed}; run() does the act.
 */
export class ConfirmButton {
  constructor(button, { labels, run, cancel = null, hint = null }) {
    Object.assign(this, { button, labels, run, cancelButton: cancel, hint });
    this.timer = 0;
    this.busy = false;
    button.addEventListener("click", () => this.press());
    if (cancel) cancel.addEventListener("click", () => this.disarm());
  }

  get armed() {
    return this.button.classList.contains("armed");
  }

  async press() {
    if (this.busy) return;
    if (!this.armed) return this.arm();
    this.disarm();
    this.busy = true;
    this.button.disabled = true;
    try {
      await this.run();
    } finally {
      this.busy = false;
      this.button.disabled = false;
      this.draw();
    }
  }

  arm() {
    this.button.classList.add("armed");
    this.draw();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.disarm(), CONFIRM_WINDOW_MS);
  }

  disarm() {
    clearTimeout(this.timer);
    this.button.classList.remove("armed");
    this.draw();
  }

  /** Shows the current labels (call after the state behind them changed). */
  draw() {
    const { idle, armed } = this.labels();
    this.button.textContent = this.armed ? armed : idle;
    if (this.cancelButton) this.cancelButton.hidden = !this.armed;
    if (this.hint) this.hint.hidden = !this.armed;
  }
}

/**
 * Runs `task` now and then `intervalMs` after each run ends, until stopped: a slow or dead
 * server gets one request at a time, never a pile of them.
 */
export class Poller {
  constructor(task, intervalMs) {
    Object.assign(this, { task, intervalMs, timer: 0, running: false, generation: 0 });
  }

  start() {
    this.stop();
    this.running = true;
    this.tick(this.generation);
  }

  stop() {
    this.running = false;
    this.generation += 1;
    clearTimeout(this.timer);
  }

  /** Runs it again now (after a change the page made itself). */
  now() {
    if (this.running) this.start();
  }

  async tick(generation) {
    let delayMs = this.intervalMs;
    try {
      delayMs = (await this.task()) || this.intervalMs;
    } catch (error) {
      window.setTimeout(() => {
        throw error; // reported as a script error, yet the loop goes on
      });
    }
    if (this.running && generation === this.generation) {
      this.timer = setTimeout(() => this.tick(generation), delayMs);
    }
  }
}

/** An SVG element with attributes (numbers and strings; never markup). */
export function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/**
 * A table's body from `rows`, each cell labelled with its column's heading (data-label): on
 * a phone the rows stack as cards (console.css) and each value keeps its name.
 */
export function fillRows(table, rows) {
  const headings = [...table.tHead.rows[0].cells].map((cell) => cell.textContent.trim());
  for (const row of rows) {
    [...row.cells].forEach((cell, index) => {
      if (headings[index]) cell.dataset.label = headings[index];
    });
  }
  table.tBodies[0].replaceChildren(...rows);
}
