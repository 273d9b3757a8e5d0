// One websocket kept open to the server, whatever the network does:
// - reconnects with jittered exponential backoff (1 s doubling to 30 s). The backoff is reset
//   only once a connection has proved healthy (its first snapshot arrived), never by a bare
//   handshake: during an outage the server may accept and close at once, and resetting then
//   would retry every second and flash "Live";
// - sends its own heartbeat every 5 s (the server's presence expires after three missed beats)
//   and drops a link that stops answering, or a handshake that never completes;
// - tells a refusal that retrying cannot help (logged out, removed, session gone) from a blip,
//   and "the server is reconnecting to its database" (close 4013 or an "unavailable" error
//   frame) from a lost link;
// - reports its state (connecting / online / reconnecting / unavailable / offline) and when the
//   next attempt is due, so the page always says what is happening.
//
// It knows nothing of sessions or scores: LiveSession (session.js) gives meaning to the frames.
// The WebSocket class, the timers and the randomness can be injected (Node tests).
//
// Events (Event with a `detail`):
//   state    {state, text, message}   the connection state changed (message: why it is over)
//   healthy  {}                       a new link delivered its first snapshot (after "online")
//   frame    {frame}                  a parsed frame arrived
//   close    {}                       the link went down (before any retry is planned)

export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 30000;
// The same beat as sessions.models.HEARTBEAT_SECONDS (tests/test_sessions_models.py checks it).
export const HEARTBEAT_EVERY_MS = 5000;
export const HEARTBEAT_TIMEOUT_MS = 10000;
export const CONNECT_TIMEOUT_MS = 10000;
// The server's "try again later": its database or channel layer is down. RFC 6455's 1013 is not
// a code daphne may send (1000 or 3000-4999 only), so sessions/consumers.py sends 4013; a proxy
// in front of the workers may still send 1013 itself.
export const TRY_AGAIN_LATER = 4013;
const PROXY_TRY_AGAIN_LATER = 1013;

// Close codes the server uses when retrying cannot help.
export const FATAL_CLOSE = {
  4401: "You are logged out. Log in again to rejoin the session.",
  4403: "You are not a participant of this session.",
  4404: "This session no longer exists.",
};

export const UNAVAILABLE_TEXT = "The server is reconnecting to its database…";

export const STATE_TEXT = {
  connecting: "Connecting…",
  online: "Live",
  reconnecting: "Reconnecting…",
  unavailable: UNAVAILABLE_TEXT,
  offline: "Offline",
};

const OPEN = 1; // WebSocket.OPEN

/** The wait before reconnect attempt `attempt` (0, 1, …): "equal jitter" over 1 s doubling to 30 s. */
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

/** Dispatches an event carrying `detail` (plain Event: CustomEvent is not global in every Node). */
export function emit(target, name, detail = {}) {
  const event = new Event(name);
  event.detail = detail;
  target.dispatchEvent(event);
}

const browserTimers = () => ({
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id),
  now: () => Date.now(),
});

export class LiveSocket extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.url          websocket URL
   * @param {string} [options.probeUrl]   a page of this session, fetched to learn why the
   *                                      socket is refused (a refused handshake has no code)
   * @param {string} [options.loginPath]  where a logged-out request is redirected
   * @param {Function} [options.WebSocketImpl], [options.timers], [options.random]  for tests
   */
  constructor({ url, probeUrl = null, loginPath = "/accounts/login/", WebSocketImpl, timers, random = Math.random }) {
    super();
    this.url = url;
    this.probeUrl = probeUrl;
    this.loginPath = loginPath;
    this.WebSocketImpl = WebSocketImpl || globalThis.WebSocket;
    this.timers = timers || browserTimers();
    this.random = random;
    this.state = "connecting";
    this.fatalMessage = "";
    this.serverMessage = ""; // the server's "reconnecting to its database" words, until healthy
    this.socket = null;
    this.healthy = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = null; // when the next attempt starts (ms), while one is planned
    this.heartbeatTimer = null;
    this.deadTimer = null;
    this.stopped = false;
    this.failedOpens = 0; // handshakes refused or failed in a row

    if (typeof window !== "undefined" && typeof document !== "undefined") {
      window.addEventListener("online", () => this.#wakeUp());
      window.addEventListener("offline", () => {
        if (this.socket) this.#dead();
        else if (this.retryTimer) this.#setState("offline");
      });
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.#wakeUp();
      });
    }
  }

  connect() {
    this.stopped = false;
    this.#open();
    return this;
  }

  /** Whether a frame sent now would go out on a healthy link. */
  get online() {
    return Boolean(this.socket) && this.socket.readyState === OPEN && this.state === "online";
  }

  /** Seconds until the next attempt (at least 1), or null while none is planned. */
  get retryIn() {
    if (this.retryAt === null) return null;
    return Math.max(1, Math.ceil((this.retryAt - this.timers.now()) / 1000));
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
  expectAnswer(ms = HEARTBEAT_TIMEOUT_MS) {
    if (!this.deadTimer) this.deadTimer = this.timers.setTimeout(() => this.#dead(), ms);
  }

  #open() {
    this.#clearRetry();
    if (this.stopped) return;
    // The pill keeps saying why we are retrying while the next handshake is on its way.
    if (this.attempt === 0 && this.state === "connecting") this.#setState("connecting");
    else this.#setState(this.serverMessage ? "unavailable" : "reconnecting");
    let socket;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.socket = socket;
    this.healthy = false;
    let opened = false;
    // A handshake that hangs (a proxy holding it) must not leave "Connecting…" forever.
    this.expectAnswer(CONNECT_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      opened = true;
      this.#startHeartbeat();
      // The server sends the snapshot right after accepting: until it comes, not healthy.
      this.#resetDeadTimer();
      this.expectAnswer();
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
    this.#resetDeadTimer();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame?.type === "error" && frame.code === "unavailable") {
      this.serverMessage = frame.message || UNAVAILABLE_TEXT;
    }
    if (frame?.type === "snapshot" && !this.healthy) {
      this.healthy = true;
      this.attempt = 0;
      this.failedOpens = 0;
      this.serverMessage = "";
      this.#setState("online");
      emit(this, "healthy");
    }
    emit(this, "frame", { frame });
  }

  #onClose(code, opened = true) {
    this.#stopHeartbeat();
    this.socket = null;
    this.healthy = false;
    emit(this, "close");
    if (FATAL_CLOSE[code]) {
      this.#fatal(code);
      return;
    }
    if ((code === TRY_AGAIN_LATER || code === PROXY_TRY_AGAIN_LATER) && !this.serverMessage) this.serverMessage = UNAVAILABLE_TEXT;
    this.#scheduleRetry();
    if (!opened) {
      // A handshake the server refuses arrives as a bare 1006 (no 4401/4403 code): ask the
      // page itself whether we are logged out, removed, or the session is gone.
      this.failedOpens += 1;
      if (this.failedOpens === 2 || this.failedOpens % 5 === 0) this.#probe();
    }
  }

  #fatal(code) {
    this.#clearRetry();
    this.stopped = true;
    this.fatalMessage = FATAL_CLOSE[code];
    this.#setState("offline", this.fatalMessage);
  }

  async #probe() {
    if (!this.probeUrl || typeof fetch === "undefined") return;
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
    const delay = backoffDelay(this.attempt, this.random);
    this.attempt += 1;
    this.retryAt = this.timers.now() + delay;
    this.retryTimer = this.timers.setTimeout(() => this.#open(), delay);
    const offline = typeof navigator !== "undefined" && navigator.onLine === false;
    this.#setState(offline ? "offline" : this.serverMessage ? "unavailable" : "reconnecting");
  }

  #clearRetry() {
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
  }

  /** The link looks dead: drop it and reconnect (the close event does not always come). */
  #dead() {
    const socket = this.socket;
    this.deadTimer = null;
    if (!socket) return;
    const opened = socket.readyState === OPEN;
    this.socket = null;
    try {
      socket.close(4000, "heartbeat timeout");
    } catch {
      /* already closing */
    }
    this.#onClose(1006, opened);
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
    this.heartbeatTimer = this.timers.setInterval(() => this.#ping(), HEARTBEAT_EVERY_MS);
  }

  #resetDeadTimer() {
    this.timers.clearTimeout(this.deadTimer);
    this.deadTimer = null;
  }

  #stopHeartbeat() {
    this.timers.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.#resetDeadTimer();
  }

  #ping() {
    if (!this.socket || this.socket.readyState !== OPEN) return;
    this.send({ type: "ping", ref: newRef() });
    this.expectAnswer();
  }

  #setState(state, message = "") {
    this.state = state;
    emit(this, "state", { state, text: state === "unavailable" ? this.serverMessage : STATE_TEXT[state], message });
  }
}
