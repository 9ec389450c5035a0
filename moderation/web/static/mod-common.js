// Moderation page, shared pieces: page data and texts, the JSON API client (session cookie +
// CSRF header), the toast. Plain ES2020, no build step; everything hangs off `window.Mod`.
"use strict";

window.Mod = (() => {
  // A tablet on a street network: a request that has not answered in 15 s will not.
  const FETCH_TIMEOUT_MS = 15000;
  const TOAST_DEFAULT_MS = 4000;

  const $ = (id) => document.getElementById(id);
  const pageData = JSON.parse($("page-data").textContent);
  const T = pageData.texts;

  const fmt = (template, values) =>
    template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** A new element with a class and text content: text, never markup (captions are untrusted). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Only our own media paths may become an image source ("/media/..."), never another origin. */
  function safeUrl(url) {
    return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "";
  }

  const session = { username: "", role: "", csrf: "" };

  /** One JSON request; resolves {status, body, retryAfter}, status 0 when the network failed. */
  async function request(method, url, payload) {
    const headers = { Accept: "application/json" };
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
        credentials: "same-origin",
        cache: "no-store",
        signal: AbortSignal.timeout ? AbortSignal.timeout(FETCH_TIMEOUT_MS) : undefined,
      });
      const body = parseJson(await response.text());
      return { status: response.status, body, retryAfter: response.headers.get("Retry-After") };
    } catch {
      return { status: 0, body: null, retryAfter: null };
    }
  }

  const errorCode = (result) =>
    (result.body && result.body.error && result.body.error.code) || "";

  /** The words for a failed request that the caller has no better message for. */
  const failureText = (result) => (result.status === 0 ? T.network_error : T.server_error);

  const toast = (() => {
    let hideTimer = 0;
    let onAction = null;
    $("toast-action").addEventListener("click", () => {
      const action = onAction;
      hide();
      if (action) action();
    });

    function hide() {
      clearTimeout(hideTimer);
      onAction = null;
      $("toast").hidden = true;
    }

    /** One toast at a time; `action` = {label, run} adds a button (e.g. "Annuler"). */
    function show(text, { kind = "info", action = null, durationMs = TOAST_DEFAULT_MS } = {}) {
      clearTimeout(hideTimer);
      const box = $("toast");
      box.className = `toast toast-${kind}`;
      $("toast-text").textContent = text;
      const button = $("toast-action");
      button.hidden = !action;
      button.textContent = action ? action.label : "";
      onAction = action ? action.run : null;
      // Restart the countdown bar's animation, whose duration follows this toast's.
      const timer = $("toast-timer");
      timer.style.animationDuration = `${durationMs}ms`;
      timer.classList.remove("running");
      void timer.offsetWidth; // reflow, so removing and adding the class restarts it
      timer.classList.add("running");
      box.hidden = false;
      hideTimer = setTimeout(hide, durationMs);
    }

    return { show, hide };
  })();

  return {
    $,
    T,
    lang: pageData.lang,
    flags: pageData.flags,
    sources: pageData.sources,
    reasons: pageData.reasons,
    fmt,
    el,
    safeUrl,
    parseJson,
    session,
    request,
    errorCode,
    failureText,
    toast,
  };
})();
