// The shared kit: JSON requests (with the staff session's CSRF header), the server's error
// codes, and the one Retry-After parser. Plain ES module, no build step.
import { parseJson } from "./page.js";

// A phone or tablet on a street network: a request that has not answered by then will not.
const DEFAULT_TIMEOUT_MS = 15000;

let csrfToken = "";

/** The session's CSRF token (staff pages): sent with every request that changes something. */
export function setCsrfToken(token) {
  csrfToken = String(token || "");
}

/**
 * One JSON request; resolves {status, body, retryAfter}, status 0 when the network failed
 * (or no answer came within `timeoutMs`). Never rejects.
 */
export async function request(method, url, payload, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const headers = { Accept: "application/json" };
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      credentials: "same-origin",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      signal: AbortSignal.timeout ? AbortSignal.timeout(timeoutMs) : undefined,
    });
    const body = parseJson(await response.text());
    return { status: response.status, body, retryAfter: response.headers.get("Retry-After") };
  } catch {
    return { status: 0, body: null, retryAfter: null };
  }
}

/** The API's error code (`{"error": {"code"}}`), or "". */
export const errorCode = (result) =>
  (result.body && result.body.error && result.body.error.code) || "";

/**
 * A Retry-After header in whole seconds, at least 1: either form HTTP allows (a number of
 * seconds, or an HTTP date); `fallbackS` when it is missing or unreadable.
 */
export function retryAfterSeconds(header, fallbackS) {
  const value = (header || "").trim();
  if (/^\d+$/.test(value)) return Math.max(1, Number(value));
  const at = value ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) return fallbackS;
  return Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

/** Resolves when the browser believes it is online (at once when it already does). */
export function online() {
  if (navigator.onLine !== false) return Promise.resolve();
  return new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
}
