// One websocket kept open to the server, whatever the network does:
// - reconnects with jittered exponential backoff (about 1 s growing to 10 s);
// - sends its own heartbeat (a dead Wi-Fi link can take the browser a minute to notice) and
//   drops a link that stops answering;
// - tells a refusal that retrying cannot help (logged out, removed, session gone) from a blip;
// - reports its state (connecting / online / reconnecting / offline).
//
// It knows nothing of sessions or scores: LiveSession (session.js) gives meaning to the frames.
//
// Events (CustomEvent, data in `detail`):
//   state  {state, text, message}   the connection state changed (message: why it is over)
//   open   {}                       a new link is up (after the "online" state)
//   frame  {frame}                  a parsed frame arrived
//   close  {}                       the link went down (before any retry is planned)

export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 10000;
export const HEARTBEAT_EVERY_MS = 15000;
export const HEARTBEAT_TIMEOUT_MS = 10000;

// Close codes the server uses when retrying cannot help.
export const FATAL_CLOSE = {
  4401: "You are logged out. Log in again to rejoin the session.",
  4403: "You are not a participant of this session.",
  4404: "This session no longer exists.",
};

export const STATE_TEXT = {
  connecting: "Connecting…",
  online: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

const OPEN = 1; // WebSocket.OPEN

/** The wait before reconnect attempt `attempt` (0, 1, …): "equal jitter" over 1 s doubling to 10 s. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
  return Math.round(base * (0.5 + random() * 0.5));
}

let refCounter = 0;
/** A reference for a request frame, unique on this page. */
export function newRef() {
  refCounter += 1;
  return `${Date.now().toString(36)}-${refCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

export class LiveSocket extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.url          websocket URL
   * @param {string} [options.probeUrl]   a page of this session, fetched to learn why the
   *                                      socket is refused (a refused handshake has no code)
   * @param {string} [options.loginPath]  where a logged-out request is redirected
   */
  constructor({ url, probeUrl = null, loginPath = "/accounts/login/" }) {
    super();
    this.url = url;
    this.probeUrl = probeUrl;
    this.loginPath = loginPath;
    this.state = "connecting";
    this.fatalMessage = "";
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.deadTimer = null;
    this.stopped = false;
    this.failedOpens = 0; // handshakes refused or failed in a row

    window.addEventListener("online", () => this.#wakeUp());
    window.addEventListener("offline", () => {
      if (this.state === "online") this.#dead();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.#wakeUp();
    });
  }

  connect() {
    this.stopped = false;
    this.#open();
    return this;
  }

  /** Whether a frame sent now would go out on a live link. */
  get online() {
    return Boolean(this.socket) && this.socket.readyState === OPEN && this.state === "online";
  }

  /** Sends a frame; false if the link is gone. */
  send(frame) {
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Expects an answer soon: if nothing at all comes back in time, the link is dead. */
  expectAnswer() {
    if (!this.deadTimer) this.deadTimer = setTimeout(() => this.#dead(), HEARTBEAT_TIMEOUT_MS);
  }

  #open() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.stopped) return;
    this.#setState(this.attempt === 0 && this.state !== "reconnecting" ? "connecting" : "reconnecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      opened = true;
      this.attempt = 0;
      this.failedOpens = 0;
      this.#setState("online");
      this.#startHeartbeat();
      this.#emit("open");
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.#onMessage(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.#onClose(event.code, opened);
    });
    // An error is always followed by close; nothing to do here.
  }

  #onMessage(data) {
    // Any frame proves the link is alive.
    clearTimeout(this.deadTimer);
    this.deadTimer = null;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    this.#emit("frame", { frame });
  }

  #onClose(code, opened = true) {
    this.#stopHeartbeat();
    this.socket = null;
    this.#emit("close");
    if (FATAL_CLOSE[code]) {
      this.#fatal(code);
      return;
    }
    this.#scheduleRetry();
    if (!opened) {
      // A handshake the server refuses arrives as a bare 1006 (no 4401/4403 code): ask the
      // page itself whether we are logged out, removed, or the session is gone.
      this.failedOpens += 1;
      if (this.failedOpens === 2 || this.failedOpens % 5 === 0) this.#probe();
    }
  }

  #fatal(code) {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopped = true;
    this.fatalMessage = FATAL_CLOSE[code];
    this.#setState("offline", this.fatalMessage);
  }

  async #probe() {
    if (!this.probeUrl) return;
    try {
      const response = await fetch(this.probeUrl, { method: "HEAD", credentials: "same-origin", cache: "no-store" });
      if (this.state === "online" || this.stopped) return;
      if (response.redirected && new URL(response.url).pathname.startsWith(this.loginPath)) this.#fatal(4401);
      else if (response.status === 403) this.#fatal(4403);
      else if (response.status === 404) this.#fatal(4404);
    } catch {
      /* no network or server down: keep retrying */
    }
  }

  #scheduleRetry() {
    if (this.stopped || this.retryTimer) return;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.#setState(navigator.onLine === false ? "offline" : "reconnecting");
    this.retryTimer = setTimeout(() => this.#open(), delay);
  }

  /** The link looks dead: drop it and reconnect (the close event does not always come). */
  #dead() {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    try {
      socket.close(4000, "heartbeat timeout");
    } catch {
      /* already closing */
    }
    this.#onClose(1006);
  }

  /** Back in the foreground or back online: check at once instead of waiting for a timer. */
  #wakeUp() {
    if (this.stopped) return;
    if (this.socket && this.socket.readyState === OPEN) {
      this.#ping();
    } else if (this.retryTimer) {
      this.attempt = 0;
      this.#open();
    }
  }

  #startHeartbeat() {
    this.#stopHeartbeat();
    this.heartbeatTimer = setInterval(() => this.#ping(), HEARTBEAT_EVERY_MS);
  }

  #stopHeartbeat() {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.deadTimer);
    this.heartbeatTimer = null;
    this.deadTimer = null;
  }

  #ping() {
    if (!this.socket || this.socket.readyState !== OPEN) return;
    this.send({ type: "ping", ref: newRef() });
    this.expectAnswer();
  }

  #setState(state, message = "") {
    this.state = state;
    this.#emit("state", { state, text: STATE_TEXT[state], message });
  }

  #emit(name, detail = {}) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}
