// Operator console: the night's figures (received, approved, rejected, shown, contributors, by
// source, by speaker), a bar chart of photos by hour drawn as inline SVG, and the downloads
// (contact sheet, figures as CSV).
import { $, T, el, fmt, lang, pageData } from "../kit/page.js";
import { errorCode } from "../kit/http.js";
import { get } from "../staff/session.js";
import { currentNight, dayTime, fillRows, svg } from "./tools.js";

const FIGURES = ["received", "approved", "rejected", "shown", "contributors"];
const CHART_HEIGHT = 220;
const CHART_PAD = { top: 26, bottom: 30, side: 6 }; // room for the counts and the hours
const MIN_HOURS = 6; // a quiet night still reads as an evening, not one fat bar
const MIN_LABEL_SLOT_PX = 34; // below this, counts are left to the table and the tooltip
const HOUR_LABEL_PX = 30; // one hour label needs this much width; sparser below it

const state = { night: "", followTonight: true, last: null, width: 0 };
const picker = $("night-pick");

// --- Which night -------------------------------------------------------------------------------

function pick(night, followTonight) {
  state.night = night;
  state.followTonight = followTonight;
  picker.value = night;
  picker.max = currentNight();
  // The sheet's headings in the page's language, whatever the browser asks for.
  const query = (format) =>
    `night=${encodeURIComponent(night)}&lang=${lang}&format=${format}`;
  $("sheet-jpeg").href = `/api/console/contact-sheet?${query("jpeg")}`;
  $("sheet-pdf").href = `/api/console/contact-sheet?${query("pdf")}`;
  $("night-csv").href = `/api/console/night.csv?night=${encodeURIComponent(night)}&lang=${lang}`;
}

/** The night to ask for now: tonight's keeps following the clock while it is the one shown. */
function wanted() {
  if (state.followTonight || !state.night) pick(currentNight(), true);
  return state.night;
}

// --- Drawing -----------------------------------------------------------------------------------

function say(words) {
  $("night-note").textContent = words || "";
  $("night-note").hidden = !words;
}

/** The hours worth a bar: those with photos, one either side, at least MIN_HOURS. */
function hoursToDraw(byHour) {
  const busy = byHour.map((h, i) => (h.received > 0 || h.approved > 0 ? i : -1));
  const used = busy.filter((i) => i >= 0);
  if (used.length === 0) return [];
  let first = Math.max(0, used[0] - 1);
  let last = Math.min(byHour.length - 1, used[used.length - 1] + 1);
  while (last - first + 1 < Math.min(MIN_HOURS, byHour.length)) {
    if (first > 0) first -= 1;
    if (last - first + 1 < MIN_HOURS && last < byHour.length - 1) last += 1;
  }
  return byHour.slice(first, last + 1);
}

function bar(kind, value, x, width, scale, baseline) {
  const height = value > 0 ? Math.max(2, value * scale) : 0;
  return svg("rect", {
    class: `bar ${kind}`,
    x: x.toFixed(1),
    y: (baseline - height).toFixed(1),
    width: width.toFixed(1),
    height: height.toFixed(1),
    rx: 2,
    "data-kind": kind,
    "data-count": value,
  });
}

function hourGroup(hour, index, geometry) {
  const { slot, barWidth, scale, baseline, labelEvery } = geometry;
  const { received, approved } = hour;
  const label = fmt(T.chart_bar, { hour: hour.hour, received, approved });
  const group = svg("g", { class: "hour", "data-hour": hour.hour, role: "listitem" });
  group.setAttribute("aria-label", label);
  const title = svg("title");
  title.textContent = label;
  group.append(title);
  const centre = CHART_PAD.side + slot * (index + 0.5);
  const pairs = [
    ["received", hour.received, centre - barWidth - 1],
    ["approved", hour.approved, centre + 1],
  ];
  for (const [kind, value, x] of pairs) {
    group.append(bar(kind, value, x, barWidth, scale, baseline));
    if (value > 0 && slot >= MIN_LABEL_SLOT_PX) {
      const count = svg("text", {
        class: `count ${kind}`,
        x: (x + barWidth / 2).toFixed(1),
        y: (baseline - value * scale - 6).toFixed(1),
        "text-anchor": "middle",
      });
      count.textContent = String(value);
      group.append(count);
    }
  }
  if (index % labelEvery === 0) {
    const text = svg("text", { class: "hour-label", x: centre.toFixed(1), y: CHART_HEIGHT - 8 });
    text.setAttribute("text-anchor", "middle");
    text.textContent = String(hour.hour);
    group.append(text);
  }
  return group;
}

function chart(byHour) {
  const box = $("chart");
  const hours = hoursToDraw(byHour);
  $("chart-empty").hidden = hours.length > 0;
  box.hidden = hours.length === 0;
  box.replaceChildren();
  if (hours.length === 0) return;
  const width = Math.max(240, box.clientWidth || 600);
  state.width = box.clientWidth;
  const slot = (width - 2 * CHART_PAD.side) / hours.length;
  const peak = Math.max(1, ...hours.map((h) => Math.max(h.received, h.approved)));
  const baseline = CHART_HEIGHT - CHART_PAD.bottom;
  const geometry = {
    slot,
    barWidth: Math.min(28, Math.max(3, slot * 0.36)),
    scale: (baseline - CHART_PAD.top) / peak,
    baseline,
    labelEvery: Math.ceil(HOUR_LABEL_PX / slot),
  };
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${CHART_HEIGHT}`,
    width,
    height: CHART_HEIGHT,
    role: "list",
    "aria-labelledby": "chart-title",
  });
  root.append(svg("line", { class: "axis", x1: 0, x2: width, y1: baseline, y2: baseline }));
  hours.forEach((hour, index) => root.append(hourGroup(hour, index, geometry)));
  box.append(root);
}

function table(byHour) {
  const rows = byHour.map((hour) => {
    const row = el("tr");
    row.append(el("th", "", fmt(T.hour_label, { hour: hour.hour })));
    row.append(el("td", "num", hour.received), el("td", "num", hour.approved));
    return row;
  });
  $("chart-table").tBodies[0].replaceChildren(...rows);
}

function bySource(sources) {
  const rows = sources.map((source) => {
    const row = el("tr");
    const name = pageData.photo_sources[source.source] || source.source;
    row.append(el("th", "", name));
    for (const key of ["received", "approved", "rejected"]) {
      row.append(el("td", "num", source[key]));
    }
    return row;
  });
  $("by-source").tBodies[0].replaceChildren(...rows);
  $("by-source").hidden = rows.length === 0;
}

/** Who is speaking: every kind of speaker, zeros included (the split sums to every photo). */
function bySpeaker(speakers) {
  const rows = speakers.map((speaker) => {
    const row = el("tr");
    row.append(el("th", "", pageData.speakers[speaker.speaker] ?? speaker.label));
    for (const key of ["received", "approved", "contributors"]) {
      row.append(el("td", "num", speaker[key]));
    }
    return row;
  });
  fillRows($("by-speaker"), rows); // stacked as cards on a phone, each value named
}

function render(figures) {
  state.last = figures;
  for (const key of FIGURES) $(`fig-${key}`).textContent = String(Number(figures[key]) || 0);
  const [start, end] = [dayTime(figures.start), dayTime(figures.end)];
  $("night-span").textContent = fmt(T.night_span, { start, end });
  $("night-body").hidden = false; // first: the chart takes the width it is shown at
  const byHour = Array.isArray(figures.by_hour) ? figures.by_hour : [];
  chart(byHour);
  table(byHour);
  bySource(Array.isArray(figures.by_source) ? figures.by_source : []);
  bySpeaker(Array.isArray(figures.by_speaker) ? figures.by_speaker : []);
}

// --- Loading -----------------------------------------------------------------------------------

async function load() {
  const night = wanted();
  const result = await get(`/api/console/night?night=${night}`);
  if (night !== state.night) return; // another night was picked meanwhile
  if (result.status === 200 && result.body && Array.isArray(result.body.by_hour)) {
    say("");
    render(result.body);
  } else if (result.status === 404) {
    say(T.night_unavailable);
    $("night-body").hidden = true;
  } else if (result.status === 400 && errorCode(result) === "invalid_field") {
    say(T.night_invalid);
  } // else (offline, a restart): the last figures stay, the top bar says it reconnects
}

function redrawIfResized() {
  if (state.last && $("chart").clientWidth !== state.width) chart(state.last.by_hour || []);
}

function wire(reload) {
  picker.addEventListener("change", () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(picker.value)) return say(T.night_invalid);
    pick(picker.value, picker.value === currentNight());
    reload();
  });
  $("night-tonight").addEventListener("click", () => {
    pick(currentNight(), true);
    reload();
  });
  if (window.ResizeObserver) new ResizeObserver(redrawIfResized).observe($("chart"));
  else window.addEventListener("resize", redrawIfResized);
}

function reset() {
  state.last = null;
  state.followTonight = true;
  $("night-body").hidden = true;
}
export const Night = { load, wire, reset };
