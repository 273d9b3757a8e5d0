// The live-session client shared by the room and present mode: requests and their answers over
// one LiveSocket, and the outbox of the viewer's own unacknowledged rating changes, re-sent in
// order once every (re)connection is healthy. The outbox is shared with the reviewer's other
// tabs of the session (a `storage` event brings their changes, which this tab sends too).
//
// An error frame never loses a change: "unavailable" (the server lost its database; the socket
// closes and the change is re-sent after the reconnect) and "rate_limited" (sent again after
// `retry_after`) keep it; only a refusal ("refused", "bad_frame", "server_error") drops it.
//
// Frames that change part of the state are merged into the last snapshot, so the pages only
// ever read whole snapshots: "presence" (who is online) and "figures" (the agreement figures of
// the version whose snapshot said `figures_pending`). A pong carries the newest version the
// server knows: two pongs in a row ahead of the snapshot mean a missed update, so it syncs.
//
// Events (CustomEvent, data in `detail`):
//   state      {state, text, message}   connection state changed
//   snapshot   {snapshot}               full state for this viewer (also after a merged frame)
//   outbox     {}                       the outbox changed (something saved, queued or failed)
//   scoreerror {item, criterion, message}  the server refused a score change
//   nudge      {message}
//   servererror {message}               an error frame without a known request

import { Outbox } from "./outbox.js";
import { LiveSocket, emit, newRef } from "./socket.js";

const REQUEST_TIMEOUT_MS = 15000;

/** window.localStorage, or null where the browser refuses it (some private modes throw). */
function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class LiveSession extends EventTarget {
  /** The session a page's root element describes (data-session-id, -user-key, -login-path). */
  static forPage(rootElement) {
    return new LiveSession({
      sessionId: Number(rootElement.dataset.sessionId),
      userKey: rootElement.dataset.userKey,
      probeUrl: window.location.pathname,
      loginPath: rootElement.dataset.loginPath,
    });
  }

  /**
   * @param {object} options
   * @param {number} options.sessionId
   * @param {string|number} options.userKey  who is typing (part of the localStorage key)
   * @param {string} [options.url]           websocket URL (default: same host, /ws/sessions/<id>/)
   * @param {string} [options.probeUrl]      a page of this session (see LiveSocket)
   * @param {string} [options.loginPath]     where a logged-out request is redirected
   * @param {LiveSocket} [options.socket], [options.storage]  for tests
   */
  constructor({ sessionId, userKey, url, probeUrl, loginPath = "/accounts/login/", socket, storage }) {
    super();
    this.sessionId = sessionId;
    this.socket =
      socket ||
      new LiveSocket({
        url: url || `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws/sessions/${sessionId}/`,
        probeUrl: probeUrl || null,
        loginPath,
      });
    this.outbox = new Outbox({
      storage: storage === undefined ? browserStorage() : storage,
      storageKey: `concord.outbox.s${sessionId}.u${userKey}`,
    });
    this.pending = new Map(); // ref -> {resolve, reject, timer}
    this.clockOffset = 0; // server time minus local time, in ms
    this.snapshot = null; // the last full state (with presence and figures merged in)
    this.behind = 0; // pongs in a row that named a newer version than the snapshot's

    this.socket.addEventListener("state", (event) => this.#emit("state", event.detail));
    this.socket.addEventListener("healthy", () => this.#flushOutbox());
    this.socket.addEventListener("close", () => this.#failPending("The connection was lost before the server answered. Try again."));
    this.socket.addEventListener("frame", (event) => this.#onFrame(event.detail.frame));
    if (typeof window !== "undefined") {
      window.addEventListener("storage", (event) => {
        if (event.storageArea === window.localStorage && this.outbox.watches(event.key)) this.otherTabWrote();
      });
    }
  }

  // --- public API -----------------------------------------------------------------------

  /** connecting / online / reconnecting / offline */
  get state() {
    return this.socket.state;
  }

  /** Why the connection is over for good ("" while it may come back). */
  get fatalMessage() {
    return this.socket.fatalMessage;
  }

  /** Seconds until the next connection attempt, or null while none is planned. */
  get retryIn() {
    return this.socket.retryIn;
  }

  /** What the server said of its outage ("The server is reconnecting to its database…"). */
  get serverMessage() {
    return this.socket.serverMessage;
  }

  connect() {
    this.socket.connect();
    return this;
  }

  /** Sends a request and resolves with its ack (rejects with the server's error message). */
  request(type, payload = {}) {
    if (!this.socket.online) {
      return Promise.reject(new Error("Not connected right now: try again in a moment."));
    }
    const ref = newRef();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new Error("No answer from the server: check the connection and try again."));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(ref, { resolve, reject, timer });
      this.socket.expectAnswer();
      this.socket.send({ type, ref, ...payload });
    });
  }

  /** Asks for a fresh snapshot. */
  sync() {
    if (this.state === "online") this.socket.send({ type: "sync", ref: newRef() });
  }

  /**
   * Records a change of the viewer's own rating. It is kept (and survives a reload) until the
   * server acknowledges it. A comment without a rating yet is held locally: the server only
   * stores rated criteria, so it is sent with the rating once one is chosen.
   */
  saveScore(item, criterion, change) {
    this.outbox.save(item, criterion, change);
    this.#emit("outbox");
    this.#sendUnsent();
  }

  /** Another tab changed the shared outbox: take its changes (and send them if online). */
  otherTabWrote() {
    const result = this.outbox.reload();
    if (result.resync) this.sync();
    if (result.changed) this.#emit("outbox");
    this.#sendUnsent();
  }

  /** Forgets comments held for want of a rating on an interaction that can no longer be scored. */
  dropHeld(item) {
    if (this.outbox.dropHeld(item)) this.#emit("outbox");
  }

  /** The pending change for one criterion, or undefined. */
  pendingScore(item, criterion) {
    return this.outbox.pending(item, criterion);
  }

  /** What to show for one of the viewer's own ratings (see Outbox.merged). */
  mergedScore(item, criterion, saved) {
    return this.outbox.merged(item, criterion, saved);
  }

  /** The server's refusal of the last change for one criterion, or "". */
  scoreError(item, criterion) {
    return this.outbox.error(item, criterion);
  }

  /** Number of changes not yet acknowledged. */
  get unsaved() {
    return this.outbox.size;
  }

  /** Takes the server's clock from a snapshot's `session.server_time`. */
  setServerTime(iso) {
    const serverTime = Date.parse(iso);
    if (!Number.isNaN(serverTime)) this.clockOffset = serverTime - Date.now();
  }

  /** The server's clock now, estimated from the last snapshot. */
  serverNow() {
    return Date.now() + this.clockOffset;
  }

  // --- frames ---------------------------------------------------------------------------

  #onFrame(frame) {
    switch (frame.type) {
      case "snapshot":
        this.setServerTime(frame.session?.server_time);
        this.behind = 0;
        this.#showSnapshot(frame);
        break;
      case "presence":
        if (this.snapshot && Array.isArray(frame.online)) {
          const online = new Set(frame.online);
          const participants = (this.snapshot.participants || []).map((p) => ({ ...p, online: online.has(p.id) }));
          this.#showSnapshot({ ...this.snapshot, participants });
        }
        break;
      case "figures":
        if (this.snapshot && frame.version === this.snapshot.version) {
          this.#showSnapshot({ ...this.snapshot, agreement: frame.agreement || {}, figures_pending: false });
        }
        break;
      case "pong":
        this.#onPong(frame);
        break;
      case "ack":
        this.#onAck(frame);
        break;
      case "error":
        this.#onError(frame);
        break;
      case "nudge":
        this.#emit("nudge", { message: frame.message });
        break;
      default:
        break; // anything new: nothing to do
    }
  }

  #showSnapshot(snapshot) {
    this.snapshot = snapshot;
    this.#emit("snapshot", { snapshot });
  }

  #onPong(frame) {
    if (!this.snapshot || typeof frame.version !== "number" || typeof this.snapshot.version !== "number") return;
    // One pong ahead may only have overtaken the update on its way; two mean it was lost.
    this.behind = frame.version > this.snapshot.version ? this.behind + 1 : 0;
    if (this.behind >= 2) {
      this.behind = 0;
      this.sync();
    }
  }

  #onAck(frame) {
    const result = this.outbox.acknowledge(frame.ref, { applied: frame.applied !== false });
    if (result) {
      // A newer change (another tab?) was already saved: fetch the truth.
      if (result.resync) this.sync();
      if (result.changed) this.#emit("outbox");
      return;
    }
    const waiting = this.#takePending(frame.ref);
    if (waiting) waiting.resolve(frame);
  }

  #onError(frame) {
    if (frame.code === "unavailable") {
      // The socket closes next (4013) and shows the outage; changes are re-sent after it.
      const waiting = this.#takePending(frame.ref);
      if (waiting) waiting.reject(new Error(frame.message || "The server is reconnecting. Try again in a moment."));
      return;
    }
    if (frame.code === "rate_limited" && this.outbox.release(frame.ref)) {
      const wait = Math.max(1, Number(frame.retry_after) || 1) * 1000;
      clearTimeout(this.resendTimer);
      this.resendTimer = setTimeout(() => this.#sendUnsent(), wait);
      return;
    }
    const result = this.outbox.refuse(frame.ref, frame.message);
    if (result) {
      if (result.changed) {
        this.#emit("scoreerror", { item: result.item, criterion: result.criterion, message: frame.message });
        this.#emit("outbox");
      }
      return;
    }
    const waiting = this.#takePending(frame.ref);
    if (waiting) {
      waiting.reject(new Error(frame.message || "The server refused this."));
      return;
    }
    this.#emit("servererror", { message: frame.message || "Something went wrong." });
  }

  #takePending(ref) {
    const waiting = this.pending.get(ref);
    if (!waiting) return null;
    clearTimeout(waiting.timer);
    this.pending.delete(ref);
    return waiting;
  }

  #failPending(message) {
    for (const [ref, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(message));
      this.pending.delete(ref);
    }
    this.outbox.forgetSends();
  }

  // --- the outbox -----------------------------------------------------------------------

  #sendUnsent() {
    if (!this.socket.online) return;
    for (const frame of this.outbox.unsentFrames(newRef)) {
      this.socket.expectAnswer();
      this.socket.send(frame);
    }
  }

  #flushOutbox() {
    for (const frame of this.outbox.framesToSend(newRef)) {
      this.socket.expectAnswer();
      this.socket.send(frame);
    }
  }

  #emit(name, detail = {}) {
    emit(this, name, detail);
  }
}
