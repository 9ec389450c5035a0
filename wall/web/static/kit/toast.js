// The shared kit: the toast, one short message at a time in the page's #toast box, with an
// optional action button (e.g. "Annuler") and a countdown bar. Plain ES module, no build step.
import { $ } from "./page.js";

const DEFAULT_DURATION_MS = 4000;

let hideTimer = 0;
let onAction = null;
let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $("toast-action").addEventListener("click", () => {
    const action = onAction;
    hide();
    if (action) action();
  });
}

function hide() {
  clearTimeout(hideTimer);
  onAction = null;
  const box = $("toast");
  if (box) box.hidden = true;
}

/** One toast at a time; `action` = {label, run} adds a button. */
function show(words, { kind = "info", action = null, durationMs = DEFAULT_DURATION_MS } = {}) {
  wire();
  clearTimeout(hideTimer);
  const box = $("toast");
  box.className = `toast toast-${kind}`;
  $("toast-text").textContent = words;
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

export const toast = { show, hide };
