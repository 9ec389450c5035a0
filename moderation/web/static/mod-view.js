// Moderation page: drawing the state (card, strips, counters). No decisions are taken here.
// Everything a contributor wrote (caption, author, source) goes in as text, never as markup.
import { $, T, el, fmt, lang, safeUrl } from "../kit/page.js";

const NEXT_STRIP_SIZE = 4;

const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });

/** "21:42, il y a 3 min": the time of arrival, and how long it has waited. */
export function timeWords(iso) {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "";
  const minutes = Math.round((at - Date.now()) / 60000);
  let ago = T.just_now;
  if (minutes <= -60) ago = relative.format(Math.round(minutes / 60), "hour");
  else if (minutes <= -1) ago = relative.format(minutes, "minute");
  return fmt(T.received, { time: clock.format(at), ago });
}

const sourceLabel = (source) => T[`source_${source}`] || String(source || "");
const flagLabel = (flag) => T[`flag_${flag}`] || String(flag);

export function backlog(count) {
  const box = $("backlog");
  box.hidden = false;
  if (count === 0) box.textContent = T.backlog_zero;
  else if (count === 1) box.textContent = T.backlog_one;
  else box.textContent = fmt(T.backlog, { n: count });
  box.classList.toggle("calm", count === 0);
}

export function connection(connected) {
  $("conn").hidden = connected;
}

function badges(list, flags) {
  list.replaceChildren(
    ...(Array.isArray(flags) ? flags : []).map((flag) =>
      el("li", `badge flag-${String(flag).replace(/[^a-z_]/g, "")}`, flagLabel(flag)),
    ),
  );
}

/**
 * A chip for each source a waiting photo came from that the page does not list yet (a
 * `wall import`, a source since removed from the config): its photos can be filtered too.
 */
export function sourceChips(photos) {
  const box = $("source-chips");
  const known = new Set([...box.children].map((chip) => chip.dataset.value));
  for (const photo of photos) {
    const source = typeof photo.source === "string" ? photo.source : "";
    if (!source || known.has(source)) continue;
    known.add(source);
    const chip = el("button", "chip", sourceLabel(source));
    chip.type = "button";
    chip.dataset.filter = "source";
    chip.dataset.value = source;
    chip.setAttribute("aria-pressed", "false");
    box.append(chip);
  }
}

/**
 * A caption or name in parts from the server, the blocklisted words in <mark> so the
 * moderator sees at once what raised the flag; null when there is nothing marked.
 */
function marked(parts) {
  if (!Array.isArray(parts) || parts.length === 0) return null;
  return parts.map((part) => {
    const text = String(part && part.text);
    if (!part.blocked) return document.createTextNode(text);
    const mark = el("mark", "blocked", text);
    mark.title = T.flag_blocklist;
    return mark;
  });
}

/** A near-duplicate shows the photo it resembles, and where that one stands. */
function similar(other) {
  const url = other && other.urls && safeUrl(other.urls.thumb);
  $("card-similar").hidden = !url;
  if (!url) return;
  const img = $("similar-img");
  if (img.getAttribute("src") !== url) img.src = url;
  img.dataset.photoId = String(other.id);
  const status = T[`similar_${other.status}`] || String(other.status || "");
  $("similar-text").textContent = fmt(T.similar_label, { status });
}

let shownId = null;
let shownAt = 0;

/** The big card for the oldest photo, or the empty state. */
export function card(photo, { loading, filtered }) {
  $("queue-loading").hidden = !loading || Boolean(photo);
  $("card").hidden = !photo;
  $("empty").hidden = Boolean(photo) || loading;
  $("approve").disabled = !photo;
  $("reject").disabled = !photo;
  if (!photo) {
    shownId = null;
    $("empty-text").textContent = filtered ? T.empty_filtered : T.empty;
    $("clear-filters").hidden = !filtered;
    return;
  }
  if (photo.id !== shownId) {
    shownId = photo.id;
    shownAt = performance.now();
    const img = $("card-img");
    img.removeAttribute("src"); // no stale photo while the next one loads
    img.src = safeUrl(photo.urls && photo.urls.display);
    $("card").dataset.photoId = photo.id;
  }
  badges($("card-flags"), photo.flags);
  similar(photo.similar);
  const caption = typeof photo.caption === "string" ? photo.caption.trim() : "";
  const captionParts = marked(photo.caption_parts);
  $("card-caption").replaceChildren(...(captionParts || [caption || T.no_caption]));
  $("card-caption").classList.toggle("muted", !caption);
  const author = typeof photo.author === "string" ? photo.author.trim() : "";
  const authorParts = marked(photo.author_parts);
  if (authorParts) {
    const [before, after = ""] = T.by.split("{name}");
    $("card-author").replaceChildren(before, ...authorParts, after);
  } else {
    $("card-author").textContent = author ? fmt(T.by, { name: author }) : T.anonymous;
  }
  const said = speakerWords(photo);
  if (said) $("card-author").append(` · ${said}`); // as the wall's credit will say it
  $("card-source").textContent = sourceLabel(photo.source);
  $("card-time").textContent = timeWords(photo.created_at);
  $("card-time").dateTime = typeof photo.created_at === "string" ? photo.created_at : "";
}

/** Who is speaking, when the visitor let the credit say it; "" otherwise. */
function speakerWords(photo) {
  const code = typeof photo.speaker === "string" ? photo.speaker : "";
  return (code && T[`speaker_${code}`]) || "";
}

/**
 * A photo told in words, for a screen reader: its caption, author and time of arrival.
 * A strip of thumbnails must not read as "image, Retirer" over and over.
 */
function describe(photo) {
  const caption = typeof photo.caption === "string" ? photo.caption.trim() : "";
  const author = typeof photo.author === "string" ? photo.author.trim() : "";
  const at = Date.parse(photo.created_at);
  return [
    caption ? fmt(T.quoted, { text: caption }) : T.no_caption,
    author ? fmt(T.by, { name: author }) : "",
    Number.isNaN(at) ? "" : clock.format(at),
  ]
    .filter(Boolean)
    .join(", ");
}

function thumb(photo) {
  const img = el("img");
  img.alt = describe(photo);
  img.loading = "lazy";
  img.draggable = false;
  img.src = safeUrl(photo.urls && photo.urls.thumb);
  return img;
}

/** Keeps one <li> per photo id across renders, so thumbs do not reload on every event. */
function keyed(list, photos, build, update) {
  const known = new Map([...list.children].map((li) => [li.dataset.photoId, li]));
  const items = photos.map((photo) => {
    const li = known.get(photo.id) || build(photo);
    li.dataset.photoId = photo.id;
    update(li, photo);
    return li;
  });
  list.replaceChildren(...items);
}

export function nextStrip(queue) {
  const upcoming = queue.slice(1, 1 + NEXT_STRIP_SIZE);
  const build = (photo) => {
    const li = el("li", "thumb");
    li.append(thumb(photo));
    li.append(el("ul", "badges mini"));
    return li;
  };
  keyed($("next-strip"), upcoming, build, (li, photo) => badges(li.lastChild, photo.flags));
  const more = queue.length - 1 - upcoming.length;
  if (more > 0) $("next-strip").append(el("li", "thumb more", fmt(T.next_more, { n: more })));
  $("next-strip").closest(".strip-box").classList.toggle("is-empty", upcoming.length === 0);
}

// "Retirer" takes a second tap on the same button within this: a dialog would take two
// hands, and one stray tap in a pocket must not take a photo off the wall.
const REMOVE_CONFIRM_MS = 3000;
const armed = { id: null, timer: 0 };

/** The button shows one word; its accessible name also says which photo it takes off. */
function paintRemove(li) {
  const button = li.querySelector("button.remove");
  const isArmed = li.dataset.photoId === armed.id;
  const photo = li.querySelector("img").alt;
  button.textContent = isArmed ? T.remove_confirm : T.remove;
  button.setAttribute(
    "aria-label",
    fmt(isArmed ? T.remove_confirm_label : T.remove_label, { photo }),
  );
  button.classList.toggle("armed", isArmed);
}

function arm(id) {
  clearTimeout(armed.timer);
  armed.id = id;
  if (id) armed.timer = setTimeout(() => arm(null), REMOVE_CONFIRM_MS);
  for (const li of $("wall-strip").children) paintRemove(li);
}

/** The "on the wall now" strip; `onRemove(id)` runs on the confirming second tap. */
export function wallStrip(photos, onRemove) {
  const build = (photo) => {
    const li = el("li", "thumb");
    li.append(thumb(photo));
    const button = el("button", "remove");
    button.type = "button";
    button.addEventListener("click", () => {
      const id = li.dataset.photoId;
      if (armed.id !== id) return arm(id);
      arm(null);
      onRemove(id);
    });
    li.append(button);
    return li;
  };
  keyed($("wall-strip"), photos, build, paintRemove);
  $("wall-empty").hidden = photos.length > 0;
}

/** How long the photo on the card has been shown, in ms. */
export const cardAge = () => performance.now() - shownAt;
