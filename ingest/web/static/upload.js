// Upload page (/): pick, preview, consent, downscale on the phone, upload with retries, receipt.
import { $, T, fmt, lang, parseJson, sleep } from "../kit/page.js";
import { online, retryAfterSeconds } from "../kit/http.js";
import * as V from "./visitor.js";

const { ERR, receipts } = V;

// The display rendition is 1920 px; 2560 leaves room for crops while cutting a 12 MP photo
// from ~5 MB to well under 2 MB on the visitor's data plan.
const MAX_LONG_EDGE = 2560;
const SMALL_FILE_BYTES = 1.5 * 1024 * 1024; // at most this and MAX_LONG_EDGE: sent as is
const JPEG_QUALITY = 0.88;
const MAX_RATE_LIMIT_WAITS = 3; // a server that keeps answering 429 wants us to stop
const DEFAULT_RETRY_AFTER_S = 10;
// The countdown shows the server's own wait (a phone's photos waiting for moderators: 5 min);
// past this, we would rather the visitor came back than stared at the page.
const MAX_RETRY_AFTER_S = 900;
// No byte moved for this long: the connection is dead even if the browser has not noticed.
const STALL_TIMEOUT_MS = 45000;
// How often the page asks the server how many bytes it has received.
const PROGRESS_POLL_MS = 400;

/** "480 ko", "1,2 Mo" (FR) or "480 kB", "1.2 MB" (EN). */
function formatBytes(bytes) {
  if (bytes < 1e6) return `${Math.max(1, Math.round(bytes / 1000))}\u00a0${T.unit_kb}`;
  const number = (bytes / 1e6).toLocaleString(lang, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  return `${number}\u00a0${T.unit_mb}`;
}

/** "42 s" under a minute, "4 min 05 s" beyond: the time a visitor is asked to wait. */
function formatWait(seconds) {
  if (seconds < 60) return `${seconds}\u00a0s`;
  const rest = String(seconds % 60).padStart(2, "0");
  return `${Math.floor(seconds / 60)}\u00a0min ${rest}\u00a0s`;
}

/** Random hex: crypto.randomUUID needs HTTPS, which a LAN install may not have. */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Retry-After in seconds (delta or HTTP date), clamped to what a visitor will wait. */
const waitSeconds = (header) =>
  Math.min(retryAfterSeconds(header, DEFAULT_RETRY_AFTER_S), MAX_RETRY_AFTER_S);

/** Wait `ms`, calling `show` with the whole seconds left, once a second, with the Cancel
 * button on screen; resolves true when the time is up, false when the visitor cancelled. */
function countdown(ms, show, ui) {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    let timer = 0;
    const done = (finished) => {
      clearTimeout(timer);
      ui.waiting(null);
      resolve(finished);
    };
    const tick = () => {
      const left = end - Date.now();
      if (left <= 0) return done(true);
      show(Math.ceil(left / 1000));
      timer = setTimeout(tick, left % 1000 || 1000);
    };
    ui.waiting(() => done(false));
    tick();
  });
}

/** Polls the bytes the server has received of the upload `key` until the returned function
 * is called: the browser's own upload events count what it has buffered, and a phone's
 * socket buffers swallow a whole photo long before it has crossed the air. */
function watchReceived(key, onReceived) {
  let watching = true;
  (async () => {
    while (watching) {
      await sleep(PROGRESS_POLL_MS);
      try {
        const response = await fetch(`/api/uploads/${encodeURIComponent(key)}`, {
          headers: { Accept: "application/json" },
          cache: "no-store",
        });
        const body = response.ok ? await response.json() : null;
        if (watching && body) onReceived(body.received, body.total);
      } catch {
        /* the upload itself notices a lost connection */
      }
    }
  })();
  return () => {
    watching = false;
  };
}

// --- Downscaling before upload --------------------------------------------------------------

/** Decode with EXIF orientation applied; null when this browser cannot (HEIC on desktop). */
async function decodeImage(file) {
  if (typeof createImageBitmap === "function") {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const close = () => bitmap.close();
      return { source: bitmap, width: bitmap.width, height: bitmap.height, close };
    } catch {
      /* fall back to <img>, which decodes more formats in some browsers (Safari: HEIC) */
    }
  }
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    const close = () => URL.revokeObjectURL(url);
    img.onload = () =>
      resolve({ source: img, width: img.naturalWidth, height: img.naturalHeight, close });
    img.onerror = () => {
      close();
      resolve(null);
    };
    img.src = url;
  });
}

function encodeJpeg(decoded, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) return Promise.resolve(null);
  context.imageSmoothingQuality = "high";
  context.drawImage(decoded.source, 0, 0, width, height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
}

/** The file to send: the original when small or undecodable here, else a ≤2560 px JPEG.
 * A photo the visitor lets the office print goes whole when it fits the server's limit: a
 * print needs every pixel (the server strips its metadata as for any photo). */
async function prepareFile(file, { whole = false, maxBytes = Infinity } = {}) {
  if (whole && file.size <= maxBytes) return file;
  const decoded = await decodeImage(file);
  if (!decoded) return file; // the server decodes HEIC and friends itself
  try {
    const longEdge = Math.max(decoded.width, decoded.height);
    if (longEdge <= MAX_LONG_EDGE && file.size <= SMALL_FILE_BYTES) return file;
    const scale = Math.min(1, MAX_LONG_EDGE / longEdge);
    const width = Math.max(1, Math.round(decoded.width * scale));
    const height = Math.max(1, Math.round(decoded.height * scale));
    const blob = await encodeJpeg(decoded, width, height);
    if (!blob || (scale === 1 && blob.size >= file.size)) return file;
    const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, { type: "image/jpeg" });
  } catch {
    return file; // out of canvas memory on an old phone: the server does the work
  } finally {
    decoded.close();
  }
}

// --- Upload ---------------------------------------------------------------------------------

/** One POST; resolves {status, body, retryAfter}, status 0 for any network failure. */
function postOnce(formData, idempotencyKey, ui) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    let stallTimer = 0;
    const watch = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => xhr.abort(), STALL_TIMEOUT_MS);
    };
    const progressKey = randomKey(); // one per try: a retry's figures start from zero
    let lastReceived = -1;
    const stopWatching = watchReceived(progressKey, (received, total) => {
      if (received > lastReceived) watch(); // bytes still arrive: the connection lives
      lastReceived = received;
      ui.received(received, total);
    });
    const finish = (result) => {
      clearTimeout(stallTimer);
      stopWatching();
      resolve(result);
    };
    xhr.open("POST", "/api/photos");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Idempotency-Key", idempotencyKey);
    xhr.setRequestHeader("X-Progress-Key", progressKey);
    // Buffered is not sent: the browser's own events only keep the stall timer going.
    xhr.upload.onprogress = watch;
    xhr.upload.onload = watch;
    xhr.onload = () =>
      finish({
        status: xhr.status,
        body: parseJson(xhr.responseText),
        retryAfter: xhr.getResponseHeader("Retry-After"),
      });
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => finish({ status: 0, body: null });
    watch();
    xhr.send(formData);
  });
}

/** POST with retries; resolves {ok: true, body} or {ok: false, message}. */
async function uploadWithRetries(formData, ui) {
  const key = randomKey(); // the same for every try: the server can spot a repeated request
  let rateLimitWaits = 0;
  for (let attempt = 1; ; attempt++) {
    ui.sending(attempt === 1 ? T.uploading : T.retrying);
    const result = await postOnce(formData, key, ui);
    if (result.status === 201 && result.body && result.body.id) {
      return { ok: true, body: result.body };
    }
    if (V.RETRYABLE_STATUSES.has(result.status) && attempt < V.MAX_ATTEMPTS) {
      // A busy server (503) says how long to wait; never retry sooner than that.
      const asked = result.retryAfter ? waitSeconds(result.retryAfter) * 1000 : 0;
      const wording = result.status === 0 ? T.retry_in : T.server_retry_in;
      const waited = await countdown(
        Math.max(V.RETRY_DELAYS_MS[attempt - 1], asked),
        (s) => ui.status(fmt(wording, { s, n: attempt + 1, max: V.MAX_ATTEMPTS })),
        ui,
      );
      if (!waited) return { ok: false, cancelled: true };
      if (navigator.onLine === false) ui.status(T.waiting_online);
      await online();
      continue;
    }
    if (result.status === 429 && rateLimitWaits < MAX_RATE_LIMIT_WAITS) {
      rateLimitWaits++;
      attempt--; // being asked to wait is not a failed attempt
      const waitMs = waitSeconds(result.retryAfter) * 1000;
      const waited = await countdown(
        waitMs,
        (s) => ui.status(fmt(T.rate_wait, { time: formatWait(s) })),
        ui,
      );
      if (!waited) return { ok: false, cancelled: true };
      continue;
    }
    const gaveUp = V.RETRYABLE_STATUSES.has(result.status);
    return { ok: false, message: gaveUp ? T.gave_up : V.errorText(result.status, result.body) };
  }
}

// --- The page -------------------------------------------------------------------------------

function renderMyPhotos() {
  const items = receipts.load();
  const dateFormat = { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" };
  $("my-photos-list").replaceChildren(
    ...items.map((r) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      const date = new Date(r.at || Date.now()).toLocaleString(lang, dateFormat);
      link.href = V.receiptUrl(r);
      link.textContent = fmt(T.sent_at, { date });
      item.append(link);
      if (r.caption) {
        const text = document.createElement("p");
        text.className = "help";
        text.textContent = r.caption; // text, never markup: captions are untrusted
        item.append(text);
      }
      return item;
    }),
  );
  $("my-photos").hidden = items.length === 0;
}

const isImage = (file) => !file.type || file.type.startsWith("image/"); // HEIC may lack a type

function start(form) {
  const input = $("photo");
  const consent = $("consent");
  const caption = $("caption");
  const send = $("send");
  const maxBytes = Number(form.dataset.maxBytes) || Infinity;
  let previewUrl = null;
  let busy = false;

  const chosenFile = () => (input.files && input.files[0]) || null;
  const printTick = $("consent-print");
  const creditTick = $("speaker-credit");
  const speakerRadios = [...form.querySelectorAll("input[name=speaker]")];
  const chosenSpeaker = () => (speakerRadios.find((radio) => radio.checked) || {}).value || "";

  /** "Show it with my name" means something only once the visitor said who is speaking. */
  function refreshCredit() {
    creditTick.disabled = !chosenSpeaker();
  }

  function refreshSend() {
    const file = chosenFile();
    send.disabled = busy || !file || !isImage(file) || !consent.checked;
    $("send-hint").hidden = !send.disabled;
  }

  function showPreview() {
    const file = chosenFile();
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    $("error-box").hidden = true;
    $("preview").hidden = !file;
    $("pick-text").textContent = file ? T.change_photo : T.choose_photo;
    // Choosing is the first step, then sending is: one bright button at a time.
    $("pick-label").classList.toggle("button-primary", !file);
    $("pick-label").classList.toggle("button-secondary", Boolean(file));
    if (!file) return;
    const img = $("preview-img");
    const note = $("preview-note");
    note.textContent = isImage(file) ? "" : T.not_an_image;
    img.hidden = !isImage(file);
    if (!isImage(file)) return;
    previewUrl = URL.createObjectURL(file);
    img.onerror = () => {
      img.hidden = true;
      note.textContent = T.preview_unavailable;
    };
    img.src = previewUrl;
  }

  function updateCounter() {
    const counter = $("caption-count");
    const max = Number(counter.dataset.max);
    counter.textContent = fmt(T.counter, { n: caption.value.length, max });
    counter.classList.toggle("full", caption.value.length >= max);
  }

  const bar = $("progress");
  let cancelWait = null;
  let serverHasAll = false;
  const ui = {
    status: (text) => {
      $("progress-status").textContent = text;
    },
    /** A new try: no figure until the server reports one (indeterminate, never full). */
    sending: (text) => {
      serverHasAll = false;
      bar.hidden = false;
      bar.removeAttribute("value");
      $("progress-text").textContent = "";
      ui.status(text);
    },
    /** What the server has actually received; all of it: the server is checking. */
    received: (received, total) => {
      if (!(total > 0) || serverHasAll) return;
      if (received >= total) {
        serverHasAll = true;
        bar.removeAttribute("value");
        $("progress-text").textContent = "";
        ui.status(T.processing);
        return;
      }
      bar.value = Math.min(99, Math.floor((received / total) * 100));
      $("progress-text").textContent = fmt(T.sent_bytes, {
        sent: formatBytes(received),
        total: formatBytes(total),
      });
    },
    /** A countdown with its Cancel button (`onCancel`), or back to sending (null). */
    waiting: (onCancel) => {
      cancelWait = onCancel;
      $("cancel-wait").hidden = !onCancel;
      bar.hidden = Boolean(onCancel); // a wait is not progress: no bar, full or not
      $("progress-text").textContent = "";
    },
  };

  function showError(message) {
    $("progress-box").hidden = true;
    form.hidden = false;
    $("error-text").textContent = message;
    $("error-box").hidden = false;
    $("error-box").scrollIntoView({ block: "center" });
  }

  function showReceipt(body) {
    const receipt = {
      id: body.id,
      token: body.receipt_token,
      at: Date.now(),
      caption: caption.value,
    };
    receipts.add(receipt);
    let status = T.receipt_pending;
    if (body.status === "rejected") {
      status = body.reason === "duplicate" ? T.receipt_rejected_duplicate : T.receipt_rejected;
    }
    $("receipt-status").textContent = status;
    $("receipt-link").href = V.receiptUrl(receipt);
    const shown = $("preview-img");
    $("receipt-img").hidden = shown.hidden || !previewUrl;
    if (previewUrl) $("receipt-img").src = previewUrl;
    $("progress-box").hidden = true;
    $("receipt-box").hidden = false;
    $("receipt-box").focus();
    renderMyPhotos();
  }

  function buildForm(upload) {
    const data = new FormData();
    data.append("file", upload, upload.name || "photo");
    // One line on the wall; newlines would also travel as CRLF pairs and count twice.
    data.append("caption", caption.value.replace(/\s*[\r\n]+\s*/g, " ").trim());
    data.append("author", $("author").value.trim());
    data.append("consent", "true");
    data.append("consent_version", form.dataset.consentVersion);
    data.append("lang", lang);
    if (printTick.checked) data.append("consent_print", "true");
    const said = chosenSpeaker();
    if (said) data.append("speaker", said);
    if (said && creditTick.checked) data.append("speaker_in_credit", "true");
    return data;
  }

  async function submit(event) {
    event.preventDefault();
    const file = chosenFile();
    if (busy || !file || !consent.checked) return;
    busy = true;
    refreshSend();
    form.hidden = true;
    $("error-box").hidden = true;
    $("progress-box").hidden = false;
    ui.sending(T.preparing); // indeterminate while preparing
    try {
      const upload = await prepareFile(file, { whole: printTick.checked, maxBytes });
      if (upload.size > maxBytes) return showError(ERR.too_large);
      const result = await uploadWithRetries(buildForm(upload), ui);
      if (result.ok) showReceipt(result.body);
      else showError(result.cancelled ? T.upload_cancelled : result.message);
    } finally {
      busy = false;
      refreshSend();
    }
  }

  function resetForAnother() {
    input.value = "";
    caption.value = "";
    consent.checked = false; // consent is given photo by photo
    printTick.checked = false; // and so is the print tick; who is speaking stays the same
    showPreview();
    updateCounter();
    refreshSend();
    $("receipt-box").hidden = true;
    form.hidden = false;
    window.scrollTo(0, 0);
    input.focus();
  }

  input.addEventListener("change", () => {
    showPreview();
    refreshSend();
  });
  consent.addEventListener("change", refreshSend);
  for (const radio of speakerRadios) radio.addEventListener("change", refreshCredit);
  caption.addEventListener("input", updateCounter);
  form.addEventListener("submit", submit);
  $("another").addEventListener("click", resetForAnother);
  $("cancel-wait").addEventListener("click", () => cancelWait && cancelWait());
  updateCounter();
  refreshSend();
  refreshCredit();
  renderMyPhotos();
}

start($("upload-form"));
