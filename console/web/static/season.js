// Operator console: the season in figures (month by month, who is speaking) and the links to
// its report for the office's board (PDF to print, CSV for a spreadsheet).
import { $, T, el, fmt, lang, pageData } from "../kit/page.js";
import { errorCode } from "../kit/http.js";
import { get } from "../staff/session.js";
import { fillRows } from "./tools.js";

const FIGURES = ["received", "approved", "contributors", "nights", "show_hours"];
const state = { year: "" }; // "" = the running season (or the last one begun)
const picker = $("season-year");

function dayWords(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const format = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric" });
  return format.format(new Date(Date.UTC(y, m - 1, d, 12)));
}

function monthWords(month) {
  if (!month) return T.season_total;
  const [y, m] = month.split("-").map(Number);
  const format = new Intl.DateTimeFormat(lang, { month: "long", year: "numeric", timeZone: "UTC" });
  return format.format(new Date(Date.UTC(y, m - 1, 15)));
}

function links(year) {
  const query = (format) => `year=${year}&lang=${lang}&format=${format}`;
  $("season-pdf").href = `/api/console/season-report?${query("pdf")}`;
  $("season-csv").href = `/api/console/season-report?${query("csv")}`;
}

function monthRows(periods) {
  return periods.map((period) => {
    const row = el("tr");
    row.append(el("th", "", monthWords(period.month)));
    for (const key of ["nights", "show_hours", "received", "approved", "contributors"]) {
      row.append(el("td", "num", period[key]));
    }
    return row;
  });
}

/** Months down, speakers across: photos received from each kind of speaker. */
function speakerTable(figures) {
  const table = $("season-speakers");
  const codes = figures.total.by_speaker.map((s) => s.speaker);
  const head = el("tr");
  head.append(el("th", "", T.col_month));
  for (const code of codes) {
    const cell = el("th", "num", pageData.speakers[code] ?? code);
    cell.scope = "col";
    head.append(cell);
  }
  table.tHead.replaceChildren(head);
  const rows = [...figures.months, figures.total].map((period) => {
    const row = el("tr");
    row.append(el("th", "", monthWords(period.month)));
    const found = Object.fromEntries(period.by_speaker.map((s) => [s.speaker, s.received]));
    for (const code of codes) row.append(el("td", "num", found[code] ?? 0));
    return row;
  });
  fillRows(table, rows);
}

function render(figures) {
  if (!picker.value || state.year === "") picker.value = String(figures.year);
  for (const key of FIGURES) $(`season-${key}`).textContent = String(figures.total[key] ?? 0);
  $("season-span").textContent = fmt(T.season_span, {
    first: dayWords(figures.first_night),
    last: dayWords(figures.last_night),
  });
  $("season-unprogrammed").hidden = Boolean(figures.programmed);
  fillRows($("season-months"), monthRows([...figures.months, figures.total]));
  speakerTable(figures);
  links(figures.year);
  $("season-note").hidden = true;
  $("season-body").hidden = false;
}

async function load() {
  const asked = state.year;
  const query = new URLSearchParams({ lang });
  if (asked) query.set("year", asked);
  const result = await get(`/api/console/season?${query}`);
  if (asked !== state.year) return; // another year was picked meanwhile
  if (result.status === 200 && result.body && Array.isArray(result.body.months)) {
    render(result.body);
  } else if (result.status === 400 && errorCode(result) === "invalid_field") {
    $("season-note").textContent = T.season_invalid;
    $("season-note").hidden = false;
  } else if (result.status === 404) {
    $("season-note").textContent = T.season_unavailable;
    $("season-note").hidden = false;
  }
}

function wire(reload) {
  picker.addEventListener("change", () => {
    if (!/^\d{4}$/.test(picker.value)) {
      $("season-note").textContent = T.season_invalid;
      $("season-note").hidden = false;
      return;
    }
    state.year = picker.value;
    reload();
  });
}

function reset() {
  state.year = "";
  picker.value = "";
  $("season-body").hidden = true;
}

export const Season = { load, wire, reset };
