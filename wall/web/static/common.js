// Shared by the visitor pages (upload.js, receipt.js): texts, receipts kept on the phone,
// error wording and retries. Plain ES2020, no build step; exposes one global, `WallVisitor`.
"use strict";

window.WallVisitor = (() => {
  // Street networks at night drop out for seconds: retry soon, then back off; five tries
  // span about 15 s, which a visitor standing in front of the wall will still wait.
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
  const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
  // 0 is a network failure; 502-504 are the reverse proxy losing the server for a moment.
  const RETRYABLE_STATUSES = new Set([0, 502, 503, 504]);
  const FETCH_TIMEOUT_MS = 20000;
  const RECEIPTS_KEY = "wall.receipts";
  const MAX_RECEIPTS = 20;
  // When a proxy answers instead of the server, the body is not ours: name it by status.
  const STATUS_CODES = {
    404: "not_found",
    413: "too_large",
    415: "unsupported_type",
    429: "rate_limited",
  };

  const $ = (id) => document.getElementById(id);
  const pageData = JSON.parse($("page-data").textContent);

  const fmt = (template, values) =>
    template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** Our translation of the server's error code, else its own message, else one by status. */
  function errorText(status, body) {
    const errors = pageData.errors;
    const error = body && body.error;
    if (error && errors[error.code]) return errors[error.code];
    if (error && typeof error.message === "string" && error.message) return error.message;
    return errors[STATUS_CODES[status]] || errors.internal;
  }

  /** Resolves when the browser believes it is online (at once when it already does). */
  function online() {
    if (navigator.onLine !== false) return Promise.resolve();
    return new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
  }

  /** Receipts (id + token) kept on the phone, so a reload still shows the delete links. */
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

  /** fetch with a timeout and the upload's retries; resolves {status, body}, status 0 offline. */
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

  return {
    RETRY_DELAYS_MS,
    MAX_ATTEMPTS,
    RETRYABLE_STATUSES,
    $,
    lang: pageData.lang,
    texts: pageData.texts,
    errors: pageData.errors,
    fmt,
    sleep,
    parseJson,
    errorText,
    online,
    receipts,
    receiptUrl,
    fetchWithRetries,
  };
})();
