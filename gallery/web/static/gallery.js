// The gallery page (and its embed): the newest photos first, more on demand, kept live by
// /ws/gallery (a new approval appears, a removal or a contributor's delete vanishes).
import { $, pageData, sleep, text } from "../kit/page.js";
import { request } from "../kit/http.js";
import { Live } from "../kit/live.js";
import { orderKey, photoItem } from "./gallery-item.js";

const API = "/api/gallery/photos";
// Without a word from the socket this long (a proxy that refuses WebSockets), the page
// loads its photos over HTTP all the same; live updates come once the socket gets through.
const SOCKET_GRACE_MS = 2500;
const RETRY_LOAD_MS = 5000;

const list = $("photos");
const shown = new Map(); // id → {key, node}
let next = null; // the cursor of the older page still to load; null: none (or not known yet)
let loadedOnce = false;
let chain = Promise.resolve(); // loads and live changes apply one at a time, in order

const serially = (work) => {
  chain = chain.then(work, work);
  return chain;
};

function announce(words) {
  $("announce").textContent = words;
}

function updateFooter() {
  const count = shown.size;
  $("count").textContent = count === 1 ? text("count_one") : text("count", { n: count });
  $("empty").hidden = !loadedOnce || count > 0;
  $("more").hidden = !next;
  $("no-more").hidden = !loadedOnce || Boolean(next) || count === 0;
  list.setAttribute("aria-busy", loadedOnce ? "false" : "true");
}

/** Puts the photo in its place (newest first); false when it is older than what is loaded
 * while older pages remain: it will come with them. */
function place(photo, fresh) {
  if (shown.has(photo.id)) return false;
  const key = orderKey(photo);
  let after = null;
  for (const [, entry] of shown) {
    if (entry.key < key && (!after || entry.key > after.key)) after = entry;
  }
  if (!after && next) return false;
  const node = photoItem(photo, fresh);
  list.insertBefore(node, after ? after.node : null);
  shown.set(photo.id, { key, node });
  return true;
}

function drop(photoId) {
  const entry = shown.get(photoId);
  if (!entry) return false;
  entry.node.remove();
  shown.delete(photoId);
  return true;
}

async function fetchPage(before) {
  const params = new URLSearchParams({ limit: String(pageData.page_size) });
  if (before) params.set("before", before);
  for (;;) {
    const result = await request("GET", `${API}?${params}`);
    if (result.status === 200 && result.body) {
      $("load-note").hidden = true;
      return result.body;
    }
    $("load-note").hidden = false;
    await sleep(RETRY_LOAD_MS);
  }
}

/** The newest page, merged: what it holds is shown, what it no longer holds (in its range)
 * goes. On the first load, after each (re)connection and on `resync`. */
async function refresh() {
  const page = await fetchPage(null);
  const oldestKey = page.photos.length ? orderKey(page.photos[page.photos.length - 1]) : "";
  const keep = new Set(page.photos.map((photo) => photo.id));
  for (const [id, entry] of [...shown]) {
    if (!keep.has(id) && (!page.next || entry.key >= oldestKey)) drop(id);
  }
  if (!loadedOnce || shown.size === 0) next = page.next;
  const older = next;
  next = null; // the page's own photos always find their place
  for (const photo of page.photos) place(photo, false);
  next = older;
  loadedOnce = true;
  updateFooter();
}

async function loadMore() {
  if (!next) return;
  const button = $("more");
  button.disabled = true;
  const page = await fetchPage(next);
  const older = page.next;
  next = null;
  for (const photo of page.photos) place(photo, false);
  next = older;
  button.disabled = false;
  updateFooter();
}

function onMessage(message) {
  if (message.type === "hello" || message.type === "resync") {
    serially(refresh);
  } else if (message.type === "gallery.added") {
    serially(() => {
      if (place(message.photo, true)) {
        announce(text("new_photo", { what: message.photo.caption || text("untitled") }));
      }
      updateFooter();
    });
  } else if (message.type === "gallery.removed") {
    serially(() => {
      if (drop(message.photo_id)) announce(text("photo_gone"));
      updateFooter();
    });
  }
}

function onState(connected) {
  const state = $("live-state");
  state.dataset.live = connected ? "on" : "off";
  state.textContent = connected ? text("live") : text("offline");
}

function start() {
  $("more").addEventListener("click", () => serially(loadMore));
  // Scrolling near the end loads the next page; the button stays for keyboards.
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting) || !next) return;
      // Observed afresh after each page: a button still in view after it asks again.
      serially(loadMore).then(() => {
        observer.unobserve($("more"));
        observer.observe($("more"));
      });
    });
    observer.observe($("more"));
  }
  new Live("/ws/gallery", { onMessage, onState }).start();
  setTimeout(() => {
    if (!loadedOnce) serially(refresh);
  }, SOCKET_GRACE_MS);
}

start();
