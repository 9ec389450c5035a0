// The shared kit: the page's data and texts. Every page renders its data, texts included, as
// JSON in <script id="page-data"> (limits too: the server's own figures, never copied here).
// Plain ES module, no build step; imported by relative URL (`../kit/page.js`).

export const $ = (id) => document.getElementById(id);

export const pageData = JSON.parse($("page-data").textContent);
export const lang = pageData.lang;
/** The page's texts in its language, by key (wall/i18n.py, staff/texts.py, ...). */
export const T = pageData.texts;

/** "{n} photos" with {n: 3} → "3 photos"; an unknown {name} stays as it is. */
export const fmt = (template, values) =>
  template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));

/** The text `key` of the page, filled with `values`. */
export const text = (key, values = {}) => fmt(T[key] ?? key, values);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function parseJson(raw) {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** A new element with a class and text content: text, never markup (captions are untrusted). */
export function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined && content !== null) node.textContent = String(content);
  return node;
}

/** Only our own paths may become an image source ("/media/..."), never another origin. */
export function safeUrl(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "";
}
