// Visitor pages: the upload page (/) and the receipt page (/r/{id}).
// Plain ES2020, no build step. Street networks at night are weak: photos are downscaled on the
// phone before sending, and uploads retry with backoff instead of failing on the first drop.
"use strict";

(() => {
  // The display rendition is 1920 px; 2560 leaves room for crops while cutting a 12 MP photo
  // from ~5 MB to under 1 MB on the visitor's data plan.
  const MAX_LONG_EDGE = 2560;
  const SMALL_FILE_BYTES = 1.5 * 1024 * 1024; // below this (and MAX_LONG_EDGE) send as is
  const JPEG_QUALITY = 0.88;
  // Drop-outs last seconds: retry soon, then back off; five tries span about 15 s.
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
  const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
  const RETRYABLE_STATUSES = new Set([0, 502, 503, 504]);
  const MAX_RATE_LIMIT_WAITS = 3; // a server that keeps saying 429 wants us to stop
  const DEFAULT_RETRY_AFTER_S = 10;
  const MAX_RETRY_AFTER_S = 120;
  // No byte moved for this long: the connection is dead even if the browser has not noticed.
  const STALL_TIMEOUT_MS = 45000;
  const FETCH_TIMEOUT_MS = 20000;
  const RECEIPTS_KEY = "wall.receipts";
  const MAX_RECEIPTS = 20;

  const $ = (id) => document.getElementById(id);
  const pageData = JSON.parse($("page-data").textContent);
  const T = pageData.texts;
  const ERR = pageData.errors;
  const LANG = pageData.lang;
  const STATUS_CODES = { 404: "not_found", 413: "too_large", 415: "unsupported_type", 429: "rate_limited" };

  const fmt = (template, values) =>
    template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const percentText = (pct) => (LANG === "fr" ? `${pct}\u00a0%` : `${pct}%`);

  /** Random hex: crypto.randomUUID needs HTTPS, which a LAN install may not have. */
  function randomKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- Receipts kept on the phone, so a reload still shows the delete links -----------------

  const receipts = {
    load() {
      try {
        const list = JSON.parse(localStorage.getItem(RECEIPTS_KEY) || "[]");
        return Array.isArray(list) ? list.filter((r) => r && r.id && r.token) : [];
      } catch {
        return []; // private browsing or corrupt data: the on-screen link still works
      }
    },
    save(list) {
      try {
        localStorage.setItem(RECEIPTS_KEY, JSON.stringify(list.slice(0, MAX_RECEIPTS)));
      } catch {
        /* storage full or disabled: nothing else to do */
      }
    },
    add(receipt) {
      this.save([receipt, ...this.load().filter((r) => r.id !== receipt.id)]);
    },
    remove(id) {
      this.save(this.load().filter((r) => r.id !== id));
    },
    find(id) {
      return this.load().find((r) => r.id === id);
    },
  };

  const receiptUrl = (r) => `/r/${encodeURIComponent(r.id)}#t=${encodeURIComponent(r.token)}`;

  // --- Errors ---------------------------------------------------------------------------------

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** Our translation of the server's error code, else its own message, else one by status. */
  function errorText(status, body) {
    const error = body && body.error;
    if (error && ERR[error.code]) return ERR[error.code];
    if (error && typeof error.message === "string" && error.message) return error.message;
    return ERR[STATUS_CODES[status]] || ERR.internal;
  }

  /** Retry-After in seconds (delta or HTTP date), clamped to something a visitor will wait. */
  function retryAfterSeconds(header) {
    let seconds = Number.parseInt(header || "", 10);
    if (Number.isNaN(seconds)) {
      const date = Date.parse(header || "");
      seconds = Number.isNaN(date) ? DEFAULT_RETRY_AFTER_S : Math.ceil((date - Date.now()) / 1000);
    }
    return Math.min(Math.max(seconds, 1), MAX_RETRY_AFTER_S);
  }

  /** Wait `ms`, calling `show` with the whole seconds left, once a second. */
  async function countdown(ms, show) {
    const end = Date.now() + ms;
    for (let left = ms; left > 0; left = end - Date.now()) {
      show(Math.ceil(left / 1000));
      await sleep(left % 1000 || 1000);
    }
  }

  /** Resolves when the browser believes it is online (at once when it already does). */
  function online() {
    if (navigator.onLine !== false) return Promise.resolve();
    return new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
  }

  // --- Downscaling before upload --------------------------------------------------------------

  /** Decode with EXIF orientation applied; null when this browser cannot (HEIC on desktop). */
  async function decodeImage(file) {
    if (typeof createImageBitmap === "function") {
      try {
        const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
        return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
      } catch {
        /* fall back to <img>, which some browsers decode more formats with */
      }
    }
    return new Promise((resolve) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      const close = () => URL.revokeObjectURL(url);
      img.onload = () => resolve({ source: img, width: img.naturalWidth, height: img.naturalHeight, close });
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

  /** The file to send: the original when small or undecodable, else a ≤2560 px JPEG. */
  async function prepareFile(file) {
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
      return file; // out of canvas memory on an old phone: let the server do the work
    } finally {
      decoded.close();
    }
  }

  // --- Upload ---------------------------------------------------------------------------------

  /** One POST; resolves with {status, body, retryAfter}; status 0 for any network failure. */
  function postOnce(formData, idempotencyKey, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      let stallTimer = 0;
      const watch = () => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(() => xhr.abort(), STALL_TIMEOUT_MS);
      };
      const finish = (result) => {
        clearTimeout(stallTimer);
        resolve(result);
      };
      xhr.open("POST", "/api/photos");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Idempotency-Key", idempotencyKey);
      xhr.upload.onprogress = (event) => {
        watch();
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      };
      xhr.upload.onload = () => {
        watch();
        onProgress(1);
      };
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
    const key = randomKey(); // lets the server recognise a retry of a request it did receive
    let rateLimitWaits = 0;
    for (let attempt = 1; ; attempt++) {
      ui.progress(0);
      ui.status(attempt === 1 ? T.uploading : T.retrying);
      const result = await postOnce(formData, key, ui.progress);
      if (result.status === 201 && result.body && result.body.id) return { ok: true, body: result.body };
      if (RETRYABLE_STATUSES.has(result.status) && attempt < MAX_ATTEMPTS) {
        await countdown(RETRY_DELAYS_MS[attempt - 1], (s) =>
          ui.status(fmt(T.retry_in, { s, n: attempt + 1, max: MAX_ATTEMPTS })),
        );
        if (navigator.onLine === false) ui.status(T.waiting_online);
        await online();
        continue;
      }
      if (result.status === 429 && rateLimitWaits < MAX_RATE_LIMIT_WAITS) {
        rateLimitWaits++;
        attempt--; // being told to wait is not a failed attempt
        await countdown(retryAfterSeconds(result.retryAfter) * 1000, (s) => ui.status(fmt(T.rate_wait, { s })));
        continue;
      }
      const gaveUp = RETRYABLE_STATUSES.has(result.status);
      return { ok: false, message: gaveUp ? T.gave_up : errorText(result.status, result.body) };
    }
  }

  // --- Upload page ----------------------------------------------------------------------------

  function uploadPage(form) {
    const input = $("photo");
    const consent = $("consent");
    const caption = $("caption");
    const send = $("send");
    const maxBytes = Number(form.dataset.maxBytes) || Infinity;
    let previewUrl = null;
    let busy = false;

    const chosenFile = () => (input.files && input.files[0]) || null;
    const isImage = (file) => !file.type || file.type.startsWith("image/"); // HEIC may have no type

    function refreshSend() {
      const file = chosenFile();
      send.disabled = busy || !file || !isImage(file) || !consent.checked;
      $("send-hint").hidden = !send.disabled || busy;
    }

    function showPreview() {
      const file = chosenFile();
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = null;
      $("error-box").hidden = true;
      $("preview").hidden = !file;
      $("pick-text").textContent = file ? T.change_photo : T.choose_photo;
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

    const ui = {
      status: (text) => {
        $("progress-status").textContent = text;
      },
      progress: (fraction) => {
        const pct = Math.min(100, Math.floor(fraction * 100));
        $("progress").value = pct;
        $("progress-text").textContent = percentText(pct);
        if (pct >= 100) ui.status(T.processing);
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
      const receipt = { id: body.id, token: body.receipt_token, at: Date.now(), caption: caption.value };
      receipts.add(receipt);
      let status = T.receipt_pending;
      if (body.status === "rejected") {
        status = body.reason === "duplicate" ? T.receipt_rejected_duplicate : T.receipt_rejected;
      }
      $("receipt-status").textContent = status;
      $("receipt-link").href = receiptUrl(receipt);
      $("progress-box").hidden = true;
      $("receipt-box").hidden = false;
      $("receipt-box").focus();
      renderMyPhotos();
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
      $("progress").removeAttribute("value"); // indeterminate while preparing
      $("progress-text").textContent = "";
      ui.status(T.preparing);
      try {
        const upload = await prepareFile(file);
        if (upload.size > maxBytes) {
          showError(ERR.too_large);
          return;
        }
        const result = await uploadWithRetries(buildForm(upload), ui);
        if (result.ok) showReceipt(result.body);
        else showError(result.message);
      } finally {
        busy = false;
        refreshSend();
      }
    }

    function buildForm(upload) {
      const data = new FormData();
      data.append("file", upload, upload.name || "photo");
      // One line on the wall; newlines would also become CRLF pairs and count twice.
      data.append("caption", caption.value.replace(/\s*[\r\n]+\s*/g, " ").trim());
      data.append("author", $("author").value.trim());
      data.append("consent", "true");
      data.append("consent_version", form.dataset.consentVersion);
      data.append("lang", LANG);
      return data;
    }

    function resetForAnother() {
      input.value = "";
      caption.value = "";
      consent.checked = false;
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
    caption.addEventListener("input", updateCounter);
    form.addEventListener("submit", submit);
    $("another").addEventListener("click", resetForAnother);
    updateCounter();
    refreshSend();
    renderMyPhotos();
  }

  function renderMyPhotos() {
    const list = $("my-photos-list");
    const items = receipts.load();
    list.replaceChildren(
      ...items.map((r) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        const when = new Date(r.at || Date.now());
        const date = when.toLocaleString(LANG, { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
        link.href = receiptUrl(r);
        link.textContent = fmt(T.sent_at, { date });
        item.append(link);
        if (r.caption) {
          const text = document.createElement("p");
          text.className = "help";
          text.textContent = r.caption;
          item.append(text);
        }
        return item;
      }),
    );
    $("my-photos").hidden = items.length === 0;
  }

  // --- Receipt page ---------------------------------------------------------------------------

  /** fetch with a timeout and the same retries as uploads; resolves {status, body}. */
  async function fetchWithRetries(url, method) {
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let body = null;
      try {
        const response = await fetch(url, {
          method,
          headers: { Accept: "application/json" },
          cache: "no-store",
          referrerPolicy: "no-referrer",
          signal: AbortSignal.timeout ? AbortSignal.timeout(FETCH_TIMEOUT_MS) : undefined,
        });
        status = response.status;
        body = parseJson(await response.text());
      } catch {
        status = 0;
      }
      if (!RETRYABLE_STATUSES.has(status) || attempt >= MAX_ATTEMPTS) return { status, body };
      await sleep(RETRY_DELAYS_MS[attempt - 1]);
      await online();
    }
  }

  function statusWords(photo) {
    const words = T[`status_${photo.status}`] || photo.status;
    return photo.status === "rejected" && photo.reason === "duplicate"
      ? `${words} (${T.reason_duplicate})`
      : words;
  }

  function receiptPage(box) {
    const id = box.dataset.photoId;
    if (!id) return; // the server already wrote "not found"
    const token = new URLSearchParams(location.hash.slice(1)).get("t") || (receipts.find(id) || {}).token;
    const apiUrl = token ? `/api/photos/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}` : "";
    const message = (text, done = false) => {
      $("message").textContent = text;
      $("message").classList.toggle("done", done);
    };
    const show = (elementId, visible) => {
      $(elementId).hidden = !visible;
    };
    // The language switch must keep the token, which lives in the fragment.
    if (location.hash) $("lang-switch").href = $("lang-switch").getAttribute("href") + location.hash;

    function showPhoto(photo) {
      message("");
      show("details", true);
      $("photo-status").textContent = statusWords(photo);
      for (const field of ["caption", "author"]) {
        const value = typeof photo[field] === "string" ? photo[field] : "";
        $(`photo-${field}`).textContent = value;
        show(`photo-${field}`, Boolean(value));
        show(`${field}-term`, Boolean(value));
      }
      show("delete", photo.status !== "deleted");
    }

    async function load() {
      show("reload", false);
      message(T.loading);
      const { status, body } = await fetchWithRetries(apiUrl, "GET");
      if (status === 200 && body) return showPhoto(body);
      if (status === 404) receipts.remove(id);
      message(status === 0 ? T.network_error : errorText(status, body));
      show("reload", status === 0 || status >= 500);
    }

    async function remove() {
      show("confirm", false);
      message(T.deleting);
      const { status, body } = await fetchWithRetries(apiUrl, "DELETE");
      if (status === 204 || status === 200) {
        receipts.remove(id);
        show("details", false);
        show("delete", false);
        history.replaceState(null, "", location.pathname + location.search); // token is spent
        message(T.deleted, true);
        $("message").focus();
        return;
      }
      message(status === 0 ? T.network_error : errorText(status, body));
      show("delete", status !== 404);
    }

    $("delete").addEventListener("click", () => {
      show("delete", false);
      show("confirm", true);
      $("confirm-no").focus();
    });
    $("confirm-no").addEventListener("click", () => {
      show("confirm", false);
      show("delete", true);
      $("delete").focus();
    });
    $("confirm-yes").addEventListener("click", remove);
    $("reload").addEventListener("click", load);
    if (!token) return message(T.missing_token);
    load();
  }

  const form = $("upload-form");
  if (form) uploadPage(form);
  const receiptBox = $("receipt");
  if (receiptBox) receiptPage(receiptBox);
})();
