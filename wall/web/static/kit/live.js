// A page's live socket (/ws/moderation, /ws/gallery), reconnecting by itself with backoff.
import { parseJson } from "./page.js";

// A dropped street connection usually comes back within seconds: try again after 1 s, then
// double the wait up to 10 s, so a long outage costs the server one attempt every 10 s.
const INITIAL_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 10000;
// The server closes with this code when the session cookie is missing or expired.
const CLOSE_UNAUTHORIZED = 4401;

const socketUrl = (path) =>
  `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;

/**
 * handlers: onMessage(msg), onState(connected: boolean); for a staff page also
 * onUnauthorized() and beforeReconnect() -> Promise<boolean> (false: stop, e.g. the session
 * has ended). A public page leaves those two out: it simply tries again.
 */
export class Live {
  constructor(path, handlers) {
    this.url = socketUrl(path);
    this.handlers = handlers;
    this.socket = null;
    this.timer = 0;
    this.delay = INITIAL_RETRY_DELAY_MS;
    this.running = false;
    this.checking = false;
    this.retryNow = () => {
      if (this.running && !this.socket) this.reconnect(true);
    };
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.delay = INITIAL_RETRY_DELAY_MS;
    window.addEventListener("online", this.retryNow);
    document.addEventListener("visibilitychange", this.retryNow);
    this.connect();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.retryNow);
    document.removeEventListener("visibilitychange", this.retryNow);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
  }

  connect() {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.delay = INITIAL_RETRY_DELAY_MS;
      this.handlers.onState(true);
    });
    socket.addEventListener("message", (event) => {
      const message = parseJson(event.data);
      if (message && typeof message.type === "string") this.handlers.onMessage(message);
    });
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  closed(socket, code) {
    if (this.socket !== socket) return; // stopped, or replaced by a newer socket
    this.socket = null;
    this.handlers.onState(false);
    if (!this.running) return;
    if (code === CLOSE_UNAUTHORIZED) {
      this.stop();
      this.handlers.onUnauthorized?.();
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect(false), this.delay);
    this.delay = Math.min(this.delay * 2, MAX_RETRY_DELAY_MS);
  }

  async reconnect(immediately) {
    clearTimeout(this.timer);
    if (immediately) this.delay = INITIAL_RETRY_DELAY_MS;
    if (this.checking) return; // "online" and the timer may fire together: one attempt
    this.checking = true;
    try {
      const beforeReconnect = this.handlers.beforeReconnect;
      if (beforeReconnect && !(await beforeReconnect())) return;
    } finally {
      this.checking = false;
    }
    if (this.running && !this.socket) this.connect();
  }
}
