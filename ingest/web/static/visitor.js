// Shared by the visitor pages (upload.js, receipt.js): receipts kept on the phone, the words
// for a failed request, and the retries. Built on the shared kit (../kit); no build step.
import { pageData, sleep } from "../kit/page.js";
import { online, request } from "../kit/http.js";

// Street networks at night drop out for seconds: retry soon, then back off; five tries
// span about 15 s, which a visitor standing in front of the wall will still wait.
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
// 0 is a network failure; 502-504 are the reverse proxy losing the server for a moment.
export const RETRYABLE_STATUSES = new Set([0, 502, 503, 504]);
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

/** The API's error messages in the page's language, by code (wall/i18n.py). */
export const ERR = pageData.errors;

/** Our translation of the server's error code, else its own message, else one by status. */
export function errorText(status, body) {
  const error = body && body.error;
  if (error && ERR[error.code]) return ERR[error.code];
  if (error && typeof error.message === "string" && error.message) return error.message;
  return ERR[STATUS_CODES[status]] || ERR.internal;
}

/** Receipts (id + token) kept on the phone, so a reload still shows the delete links. */
export const receipts = {
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

export const receiptUrl = (r) =>
  `/r/${encodeURIComponent(r.id)}#t=${encodeURIComponent(r.token)}`;

/** A request with the upload's retries; resolves {status, body}, status 0 offline. */
export async function fetchWithRetries(url, method) {
  for (let attempt = 1; ; attempt++) {
    const { status, body } = await request(method, url, undefined, {
      timeoutMs: FETCH_TIMEOUT_MS,
    });
    if (!RETRYABLE_STATUSES.has(status) || attempt >= MAX_ATTEMPTS) return { status, body };
    await sleep(RETRY_DELAYS_MS[attempt - 1]);
    await online();
  }
}
