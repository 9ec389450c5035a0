// The gallery's live socket (/ws/gallery): public, read-only, reconnecting by itself.
import { parseJson } from "../kit/page.js";

// A dropped street connection usually comes back within seconds: try again after 1 s, then
// double the wait up to 10 s, so a long outage costs the server one attempt every 10 s.
const INITIAL_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 10000;

const socketUrl = (path) =>
  `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;

/** handlers: onMessage(message), onState(connected: boolean). */
export class GallerySocket {
  constructor(path, handlers) {
    this.url = socketUrl(path);
    this.handlers = handlers;
    this.socket = null;
    this.timer = 0;
    this.delay = INITIAL_RETRY_DELAY_MS;
    this.retryNow = () => {
      if (!this.socket) this.reconnect(true);
    };
  }

  start() {
    window.addEventListener("online", this.retryNow);
    document.addEventListener("visibilitychange", this.retryNow);
    this.connect();
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
    socket.addEventListener("close", () => this.closed(socket));
  }

  closed(socket) {
    if (this.socket !== socket) return; // replaced by a newer socket
    this.socket = null;
    this.handlers.onState(false);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect(false), this.delay);
    this.delay = Math.min(this.delay * 2, MAX_RETRY_DELAY_MS);
  }

  reconnect(immediately) {
    clearTimeout(this.timer);
    if (immediately) this.delay = INITIAL_RETRY_DELAY_MS;
    if (!this.socket) this.connect();
  }
}
