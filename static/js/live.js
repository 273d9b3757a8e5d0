// The live-session websocket client, shared by the room and present mode.
//
// LiveSession keeps one socket open to /ws/sessions/<id>/:
// - reconnects with jittered exponential backoff (about 1 s growing to 10 s);
// - sends its own heartbeat (a dead Wi-Fi link can take the browser a minute to notice);
// - keeps an outbox of unacknowledged score changes, coalesced per (item, criterion), persisted
//   in localStorage and re-sent in order after every (re)connect, removed only by their ack;
// - reports its state (connecting / online / reconnecting / offline) to the page.
//
// The second half of the file holds small DOM helpers both pages use. Server text is always
// inserted with textContent, never innerHTML.

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 10000;
const HEARTBEAT_EVERY_MS = 15000;
const HEARTBEAT_TIMEOUT_MS = 10000;
const REQUEST_TIMEOUT_MS = 15000;
// Close codes the server uses when retrying cannot help.
const FATAL_CLOSE = {
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

let refCounter = 0;
function newRef() {
  refCounter += 1;
  return `${Date.now().toString(36)}-${refCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

function scoreKey(item, criterion) {
  return `${item}:${criterion}`;
}

export class LiveSession extends EventTarget {
  /**
   * @param {object} options
   * @param {number} options.sessionId
   * @param {string|number} options.userKey  who is typing (part of the localStorage key)
   * @param {string} [options.url]           websocket URL (default: same host, /ws/sessions/<id>/)
   * @param {string} [options.probeUrl]      a page of this session, fetched to learn why the
   *                                         socket is refused (a refused handshake has no code)
   * @param {string} [options.loginPath]     where a logged-out request is redirected
   *
   * Events (CustomEvent, data in `detail`):
   *   state    {state, text, message}   connection state changed
   *   snapshot {snapshot}               full state for this viewer
   *   outbox   {}                       the outbox changed (something saved, queued or failed)
   *   scoreerror {item, criterion, message}  the server refused a score change
   *   nudge    {message}
   *   servererror {message}             an error frame without a known request
   */
  /** The session a page's root element describes (data-session-id, -user-key, -login-path). */
  static forPage(rootElement) {
    return new LiveSession({
      sessionId: Number(rootElement.dataset.sessionId),
      userKey: rootElement.dataset.userKey,
      probeUrl: window.location.pathname,
      loginPath: rootElement.dataset.loginPath,
    });
  }

  constructor({ sessionId, userKey, url, probeUrl, loginPath = "/accounts/login/" }) {
    super();
    this.sessionId = sessionId;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.url = url || `${scheme}://${window.location.host}/ws/sessions/${sessionId}/`;
    this.storageKey = `concord.outbox.s${sessionId}.u${userKey}`;
    this.state = "connecting";
    this.fatalMessage = "";
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.deadTimer = null;
    this.pending = new Map(); // ref -> {resolve, reject, timer}
    this.outbox = this.#loadOutbox(); // key -> entry, kept in ts order
    this.outboxRefs = new Map(); // ref -> key, for acks of score saves
    this.errors = new Map(); // key -> message of the last refused change
    // Changes the server acknowledged: score saves are not broadcast, so until the next
    // snapshot these are the newest known values.
    this.confirmed = new Map(); // key -> entry
    this.lastTs = 0;
    this.clockOffset = 0; // server time minus local time, in ms
    this.stopped = false;
    this.probeUrl = probeUrl || null;
    this.loginPath = loginPath;
    this.failedOpens = 0; // handshakes refused or failed in a row

    window.addEventListener("online", () => this.#wakeUp());
    window.addEventListener("offline", () => {
      if (this.state === "online") this.#dead();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.#wakeUp();
    });
  }

  // --- public API -----------------------------------------------------------------------

  connect() {
    this.stopped = false;
    this.#open();
    return this;
  }

  /** Sends a request and resolves with its ack (rejects with the server's error message). */
  request(type, payload = {}) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || this.state !== "online") {
      return Promise.reject(new Error("Not connected right now: try again in a moment."));
    }
    const ref = newRef();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new Error("No answer from the server: check the connection and try again."));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(ref, { resolve, reject, timer });
      this.#expectAnswer();
      this.#send({ type, ref, ...payload });
    });
  }

  /** Asks for a fresh snapshot. */
  sync() {
    if (this.state === "online") this.#send({ type: "sync", ref: newRef() });
  }

  /**
   * Records a change of the viewer's own rating. It is kept (and survives a reload) until the
   * server acknowledges it. A comment without a rating yet is held locally: the server only
   * stores rated criteria, so it is sent with the rating once one is chosen.
   */
  saveScore(item, criterion, change) {
    const key = scoreKey(item, criterion);
    const previous = this.outbox.get(key);
    const entry = {
      item: Number(item),
      criterion: Number(criterion),
      value: change.value ?? null,
      na: Boolean(change.na),
      comment: change.comment ?? "",
      ts: this.#nextTs(),
      ref: null,
    };
    if (entry.na) entry.value = null;
    if (previous) this.outbox.delete(key); // re-insert: the map stays in order of change
    this.outbox.set(key, entry);
    this.errors.delete(key);
    this.#persist();
    this.#emit("outbox");
    if (this.state === "online") this.#sendScore(key, entry);
  }

  /** Forgets comments held for want of a rating on an interaction that can no longer be scored. */
  dropHeld(item) {
    let dropped = false;
    for (const [key, entry] of this.outbox) {
      if (entry.item === Number(item) && !this.#sendable(entry)) {
        this.outbox.delete(key);
        dropped = true;
      }
    }
    if (dropped) {
      this.#persist();
      this.#emit("outbox");
    }
  }

  /** The pending change for one criterion, or undefined. */
  pendingScore(item, criterion) {
    return this.outbox.get(scoreKey(item, criterion));
  }

  /**
   * What to show for one of the viewer's own ratings: a pending change wins (pending: true),
   * then whichever of the acknowledged change and the snapshot's value is newer.
   * `saved` is {value, na, comment, ts} from snapshot.my_scores, or undefined.
   */
  mergedScore(item, criterion, saved) {
    const key = scoreKey(item, criterion);
    const pending = this.outbox.get(key);
    if (pending) {
      const sendable = pending.na || pending.value !== null || Boolean((pending.comment || "").trim());
      return { value: pending.value, na: pending.na, comment: pending.comment, pending: true, sendable, saved: false };
    }
    const confirmed = this.confirmed.get(key);
    if (confirmed && (!saved || (saved.ts || 0) < confirmed.ts)) {
      return { value: confirmed.value, na: confirmed.na, comment: confirmed.comment, pending: false, saved: true };
    }
    if (saved) return { value: saved.value, na: saved.na, comment: saved.comment || "", pending: false, saved: true };
    return { value: null, na: false, comment: "", pending: false, saved: false };
  }

  /** The server's refusal of the last change for one criterion, or "". */
  scoreError(item, criterion) {
    return this.errors.get(scoreKey(item, criterion)) || "";
  }

  /** Number of changes not yet acknowledged. */
  get unsaved() {
    return this.outbox.size;
  }

  /** The server's clock now, estimated from the last snapshot. */
  serverNow() {
    return Date.now() + this.clockOffset;
  }

  // --- the socket -----------------------------------------------------------------------

  #open() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.stopped) return;
    this.#setState(this.attempt === 0 && this.state !== "reconnecting" ? "connecting" : "reconnecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
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
      this.#flushOutbox();
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.socket) return;
      this.#onFrame(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.#onClose(event.code, opened);
    });
    // An error is always followed by close; nothing to do here.
  }

  #onClose(code, opened = true) {
    this.#stopHeartbeat();
    this.socket = null;
    this.#failPending("The connection was lost before the server answered. Try again.");
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
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5)); // "equal jitter"
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
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
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
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    this.#send({ type: "ping", ref: newRef() });
    this.#expectAnswer();
  }

  #send(frame) {
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  #onFrame(data) {
    // Any frame proves the link is alive.
    clearTimeout(this.deadTimer);
    this.deadTimer = null;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    switch (frame.type) {
      case "snapshot":
        this.#onSnapshot(frame);
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
        break; // pong and anything new: nothing to do
    }
  }

  #onSnapshot(snapshot) {
    const serverTime = Date.parse(snapshot.session?.server_time);
    if (!Number.isNaN(serverTime)) this.clockOffset = serverTime - Date.now();
    this.#emit("snapshot", { snapshot });
  }

  #onAck(frame) {
    const key = this.outboxRefs.get(frame.ref);
    if (key !== undefined) {
      this.outboxRefs.delete(frame.ref);
      const entry = this.outbox.get(key);
      // A newer change of the same criterion may be on its way: only its own ack removes it.
      if (entry && entry.ref === frame.ref) {
        this.outbox.delete(key);
        if (frame.applied === false) {
          // A newer change (another tab?) was already saved: fetch the truth.
          this.confirmed.delete(key);
          this.sync();
        } else {
          this.confirmed.set(key, entry);
        }
        this.#persist();
        this.#emit("outbox");
      }
      return;
    }
    const waiting = this.pending.get(frame.ref);
    if (waiting) {
      clearTimeout(waiting.timer);
      this.pending.delete(frame.ref);
      waiting.resolve(frame);
    }
  }

  #onError(frame) {
    const key = this.outboxRefs.get(frame.ref);
    if (key !== undefined) {
      this.outboxRefs.delete(frame.ref);
      const entry = this.outbox.get(key);
      if (entry && entry.ref === frame.ref) {
        // Refused for good (revealed, closed, not on the scale): resending cannot help.
        this.outbox.delete(key);
        this.errors.set(key, frame.message || "Not saved.");
        this.#persist();
        this.#emit("scoreerror", { item: entry.item, criterion: entry.criterion, message: frame.message });
        this.#emit("outbox");
      }
      return;
    }
    const waiting = this.pending.get(frame.ref);
    if (waiting) {
      clearTimeout(waiting.timer);
      this.pending.delete(frame.ref);
      waiting.reject(new Error(frame.message || "The server refused this."));
      return;
    }
    this.#emit("servererror", { message: frame.message || "Something went wrong." });
  }

  #failPending(message) {
    for (const [ref, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(message));
      this.pending.delete(ref);
    }
    this.outboxRefs.clear();
    for (const entry of this.outbox.values()) entry.ref = null;
  }

  // --- the outbox -----------------------------------------------------------------------

  #sendable(entry) {
    // A comment alone is saved too (the server keeps it as an unrated draft).
    return entry.na || entry.value !== null || Boolean((entry.comment || "").trim());
  }

  /** Expects an answer soon: if nothing at all comes back in time, the link is dead. */
  #expectAnswer() {
    if (!this.deadTimer) this.deadTimer = setTimeout(() => this.#dead(), HEARTBEAT_TIMEOUT_MS);
  }

  #sendScore(key, entry) {
    if (!this.#sendable(entry)) return;
    this.#expectAnswer();
    if (entry.ref) this.outboxRefs.delete(entry.ref);
    entry.ref = newRef();
    this.outboxRefs.set(entry.ref, key);
    this.#send({
      type: "score.save",
      ref: entry.ref,
      item: entry.item,
      criterion: entry.criterion,
      value: entry.na ? null : entry.value,
      na: entry.na,
      comment: entry.comment,
      ts: entry.ts,
    });
  }

  #flushOutbox() {
    for (const [key, entry] of this.outbox) this.#sendScore(key, entry);
  }

  #nextTs() {
    // Strictly increasing even if two changes land in the same millisecond.
    this.lastTs = Math.max(Date.now(), this.lastTs + 1);
    return this.lastTs;
  }

  #loadOutbox() {
    const outbox = new Map();
    try {
      const stored = JSON.parse(window.localStorage.getItem(this.storageKey) || "[]");
      stored.sort((a, b) => a.ts - b.ts);
      for (const entry of stored) {
        if (entry && entry.item && entry.criterion) {
          outbox.set(scoreKey(entry.item, entry.criterion), { ...entry, ref: null });
          this.lastTs = Math.max(this.lastTs || 0, entry.ts || 0);
        }
      }
    } catch {
      /* storage unavailable or corrupt: start empty */
    }
    return outbox;
  }

  #persist() {
    try {
      if (this.outbox.size === 0) {
        window.localStorage.removeItem(this.storageKey);
      } else {
        const entries = [...this.outbox.values()].map(({ ref, ...rest }) => rest);
        window.localStorage.setItem(this.storageKey, JSON.stringify(entries));
      }
    } catch {
      /* private mode or quota: the in-memory outbox still works */
    }
  }

  // --- events ---------------------------------------------------------------------------

  #setState(state, message = "") {
    this.state = state;
    this.#emit("state", { state, text: STATE_TEXT[state], message });
  }

  #emit(name, detail = {}) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}

// --- shared view helpers ------------------------------------------------------------------

/** h("p", {class: "x", dataset: {a: 1}}, "text", child): text children become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "text") element.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Reads the JSON a template put in {{ value|json_script:"id" }}. */
export function readJsonScript(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

/** Binds a connection pill (.conn[data-state]) to a LiveSession. */
export function bindConnectionPill(live, pill, { onFatal } = {}) {
  const text = pill.querySelector("[data-conn-text]") || pill;
  const render = () => {
    pill.dataset.state = live.state;
    let label = STATE_TEXT[live.state];
    if (live.state === "online" && live.unsaved) label += ` · ${live.unsaved} unsaved`;
    if (live.state !== "online" && live.unsaved) label += ` · ${live.unsaved} to send`;
    text.textContent = label;
    pill.title = live.fatalMessage || (live.unsaved ? "Changes are kept on this device until the server confirms them." : "");
  };
  live.addEventListener("state", (event) => {
    render();
    if (event.detail.message && onFatal) onFatal(event.detail.message);
  });
  live.addEventListener("outbox", render);
  render();
}

/** The label of a rating as the scorecard names it ("N/A" for not applicable). */
export function ratingLabel(criterion, value, na) {
  if (na) return "N/A";
  if (value === null || value === undefined) return "—";
  const choice = criterion.choices.find(([code]) => code === value);
  return choice ? choice[1] : String(value);
}

/** The newest value of a revealed rating: the last revision if any, else the blind one. */
export function currentRating(entry) {
  const last = entry.revisions?.length ? entry.revisions[entry.revisions.length - 1] : null;
  return last ? { value: last.value, na: last.na, comment: last.comment } : entry;
}

export const LEVEL_TEXT = {
  agree: "Agreement",
  low: "Low disagreement",
  medium: "Medium disagreement",
  high: "High disagreement",
};

/** A small bar chart of how many chose each option (N/A included when allowed or used). */
export function distributionChart(criterion, distribution, { large = false } = {}) {
  const rows = criterion.choices.map(([code, label]) => [String(code), label]);
  if (criterion.na_allowed || distribution.na) rows.push(["na", "N/A"]);
  const total = Object.values(distribution).reduce((sum, count) => sum + count, 0) || 1;
  const max = Math.max(1, ...Object.values(distribution));
  const list = h("ul", {
    class: `dist${large ? " dist-large" : ""}`,
    "aria-label": "Distribution of answers",
    "data-testid": "distribution",
  });
  for (const [key, label] of rows) {
    const count = distribution[key] || 0;
    const bar = h("span", { class: "dist-bar" });
    // Width from data, set through CSSOM (a style attribute would break a strict CSP).
    bar.style.setProperty("--w", `${Math.round((count / max) * 100)}%`);
    list.append(
      h(
        "li",
        { class: `dist-row${count ? "" : " is-zero"}`, dataset: { value: key } },
        h("span", { class: "dist-label", text: label }),
        h("span", { class: "dist-track" }, bar),
        h("span", {
          class: "dist-count",
          text: String(count),
          title: `${Math.round((count / total) * 100)}%`,
        }),
      ),
    );
  }
  return list;
}

/** "14:32" in the viewer's time zone. */
export function shortTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A short-lived notice in the corner (nudges, refused actions). */
export function toast(message, { kind = "info", timeout = 6000 } = {}) {
  let region = document.getElementById("live-toasts");
  if (!region) {
    region = h("div", { id: "live-toasts", class: "live-toasts", "aria-live": "assertive" });
    document.body.append(region);
  }
  const close = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": "Dismiss" }, "×");
  const note = h(
    "div",
    { class: `live-toast live-toast-${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": "toast" },
    h("span", { text: message }),
    close,
  );
  const remove = () => note.remove();
  close.addEventListener("click", remove);
  region.append(note);
  if (timeout) setTimeout(remove, timeout);
  return note;
}

let uid = 0;
/** A unique id for label/for pairs. */
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Is this code a failing answer on the criterion's scale? */
export function isFail(criterion, value, na) {
  return !na && value !== null && value !== undefined && criterion.fail_values.includes(value);
}

function ratingChip(criterion, value, na, extraClass = "") {
  const fail = isFail(criterion, value, na);
  const kind = na ? " chip-na" : fail ? " chip-fail" : value === null || value === undefined ? "" : " chip-ok";
  return h("span", { class: `chip${kind}${extraClass}`, text: ratingLabel(criterion, value, na) });
}

/** Every reviewer's rating of one criterion: label, rating, revisions, comment. Never editable. */
export function reviewerList(criterion, entries) {
  const list = h("ul", { class: "reviewers" });
  if (!entries.length) {
    list.append(h("li", { class: "reviewer muted", text: "No ratings." }));
    return list;
  }
  for (const entry of entries) {
    const revisions = entry.revisions || [];
    const last = revisions.length ? revisions[revisions.length - 1] : null;
    const head = h(
      "div",
      { class: "reviewer-head" },
      h("span", { class: "reviewer-name", text: entry.label }),
      entry.is_baseline ? h("span", { class: "badge badge-primary", text: "Baseline" }) : null,
      ratingChip(criterion, entry.value, entry.na, last ? " is-superseded" : ""),
      last
        ? h(
            "span",
            { class: "reviewer-revised" },
            "revised to ",
            ratingChip(criterion, last.value, last.na),
            last.at ? h("time", { datetime: last.at, text: ` at ${shortTime(last.at)}` }) : null,
          )
        : null,
    );
    const item = h(
      "li",
      {
        class: `reviewer${entry.is_baseline ? " is-baseline" : ""}${entry.is_me ? " is-me" : ""}`,
        "data-testid": "reviewer-rating",
        dataset: { participantId: entry.participant },
      },
      head,
    );
    if (entry.comment) item.append(h("p", { class: "reviewer-comment", text: entry.comment }));
    if (last && last.comment && last.comment !== entry.comment) {
      item.append(h("p", { class: "reviewer-comment is-revision", text: `After discussion: ${last.comment}` }));
    }
    list.append(item);
  }
  return list;
}

/**
 * The agreed rating of one criterion for one interaction: what everyone sees, and for the
 * facilitator an editor (choice + note + Save) sent as `consensus.save`. A snapshot never
 * overwrites what the facilitator is typing.
 */
export class ConsensusBlock {
  constructor({ live, itemId, criterion, large = false }) {
    this.live = live;
    this.itemId = Number(itemId);
    this.criterion = criterion;
    this.dirty = false;
    this.current = null;
    this.display = h("div", { class: "consensus-display", "data-testid": "consensus-display", "aria-live": "polite" });
    this.el = h("div", { class: `consensus${large ? " consensus-large" : ""}` }, this.display);
    this.form = null;
  }

  #buildEditor() {
    const selectId = uniqueId("consensus-value");
    const noteId = uniqueId("consensus-note");
    this.select = h("select", { id: selectId, "data-testid": "consensus-value" });
    this.select.append(h("option", { value: "", text: "Not decided yet" }));
    for (const [code, label] of this.criterion.choices) {
      this.select.append(h("option", { value: String(code), text: label }));
    }
    if (this.criterion.na_allowed) this.select.append(h("option", { value: "na", text: "N/A" }));
    this.note = h("textarea", {
      id: noteId,
      rows: "2",
      maxlength: "5000",
      placeholder: "How to read this criterion from now on…",
      "data-testid": "consensus-note",
    });
    this.status = h("span", { class: "save-note", "aria-live": "polite" });
    this.saveButton = h("button", { type: "submit", class: "btn btn-primary btn-small", "data-testid": "consensus-save" }, "Save consensus");
    const markDirty = () => {
      this.dirty = true;
      this.status.textContent = "Not saved yet";
      this.status.dataset.kind = "pending";
    };
    this.select.addEventListener("change", markDirty);
    this.note.addEventListener("input", markDirty);
    this.form = h(
      "form",
      { class: "consensus-form" },
      h("div", { class: "consensus-field" }, h("label", { for: selectId, text: "Agreed rating" }), this.select),
      h("div", { class: "consensus-field consensus-field-note" }, h("label", { for: noteId, text: "Note for the team" }), this.note),
      h("div", { class: "consensus-actions" }, this.saveButton, this.status),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    // Ctrl/Cmd+Enter in the note saves too.
    this.note.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.save();
      }
    });
    this.el.append(this.form);
  }

  async save() {
    const raw = this.select.value;
    const payload = {
      item: this.itemId,
      criterion: this.criterion.id,
      value: raw === "" || raw === "na" ? null : Number(raw),
      na: raw === "na",
      note: this.note.value,
    };
    this.saveButton.disabled = true;
    this.status.textContent = "Saving…";
    this.status.dataset.kind = "pending";
    try {
      await this.live.request("consensus.save", payload);
      this.dirty = false;
      this.status.textContent = "Saved";
      this.status.dataset.kind = "ok";
    } catch (error) {
      this.status.textContent = error.message;
      this.status.dataset.kind = "error";
    } finally {
      this.saveButton.disabled = false;
    }
  }

  /** consensus: {value, na, note} or undefined; editable: show the editor. */
  update(consensus, { editable }) {
    const decided = consensus && (consensus.na || (consensus.value !== null && consensus.value !== undefined));
    this.display.replaceChildren();
    this.display.classList.toggle("is-decided", Boolean(decided));
    if (decided) {
      this.display.append(
        h("span", { class: "consensus-label", text: "Agreed: " }),
        ratingChip(this.criterion, consensus.value, consensus.na, " chip-strong"),
      );
    } else {
      this.display.append(h("span", { class: "consensus-label", text: consensus?.note ? "Still deciding. " : "No consensus recorded yet." }));
    }
    if (consensus?.note) this.display.append(h("p", { class: "consensus-note", text: consensus.note }));

    if (editable && !this.form) this.#buildEditor();
    if (this.form) this.form.hidden = !editable;
    if (this.form && !this.dirty) {
      this.select.value = !consensus ? "" : consensus.na ? "na" : consensus.value === null ? "" : String(consensus.value);
      if (document.activeElement !== this.note) this.note.value = consensus?.note || "";
    }
  }
}

/** The disagreement band of a criterion: "High disagreement · 0.67". */
export function levelPill(level, value) {
  return h(
    "span",
    { class: `level level-${level}`, "data-testid": "disagreement", dataset: { level } },
    LEVEL_TEXT[level] || level,
    value === null || value === undefined ? null : h("span", { class: "level-value", text: ` · ${Number(value).toFixed(2)}` }),
  );
}

/**
 * Whether a ranking row has ratings to compare. An interaction's row counts its included
 * ratings (`n`); a session row has no disagreement when no revealed interaction had any.
 */
function comparable(row) {
  if (!row) return false;
  if ("n" in row) return row.n >= 2;
  return row.disagreement !== null && row.disagreement !== undefined;
}

/**
 * The band of a ranking row: the disagreement pill, or a neutral "No ratings to compare" when
 * fewer than two ratings were included (everyone excluded, or all but one), so an empty row
 * never reads as "Agreement".
 */
export function rowLevelPill(row) {
  if (comparable(row)) return levelPill(row.level, row.disagreement);
  return h(
    "span",
    {
      class: "level level-none",
      "data-testid": "disagreement",
      dataset: { level: "none" },
      title: row?.n === 1 ? "Only one rating was included: there is nothing to compare it with." : null,
    },
    row?.n === 1 ? "Only one rating" : "No ratings to compare",
  );
}

/** The band a ranking row is coloured by ("none" when it has nothing to compare). */
export function rowLevel(row) {
  return comparable(row) ? row.level : "none";
}

/** "You, Rahul Mehta" from the list of excluded reviewers (a count in anonymous sessions). */
export function excludedText(excluded) {
  if (!excluded || !excluded.length) return "";
  return Array.isArray(excluded) ? excluded.join(", ") : String(excluded);
}

/** Replaces an element's children; like h(), skips null/false and turns strings into text. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// --- agreement figures: Krippendorff's alpha with its interval and reading -----------------

// Krippendorff (2004), Content Analysis, 2nd ed., p. 241.
const ALPHA_RELIABLE = 0.8;
const ALPHA_TENTATIVE = 0.667;

export const ALPHA_HELP = [
  "Krippendorff's alpha measures how far reviewers agree beyond what chance alone would give: " +
    "1 is perfect agreement, 0 is no better than chance, and below 0 means reviewers disagree systematically.",
  "It copes with missing ratings (N/A counts as missing), and the 95% confidence interval shows how much " +
    "the figure could move with other interactions: few interactions give a wide interval.",
];
export const ALPHA_THRESHOLDS =
  "≥ 0.800 reliable · 0.667 to 0.800 tentative: draw only tentative conclusions · below 0.667 not yet calibrated. " +
  "Thresholds from Krippendorff (2004), Content Analysis, 2nd ed., p. 241.";

const LEVEL_NAMES = {
  nominal: "Nominal criteria (pass/fail, unordered labels)",
  ordinal: "Ordinal criteria (points, ordered labels)",
  interval: "Interval criteria",
  ratio: "Ratio criteria",
};

function verdictOf(value) {
  if (value >= ALPHA_RELIABLE) return "reliable";
  return value >= ALPHA_TENTATIVE ? "tentative" : "not_calibrated";
}

function minus(text) {
  if (Number(text) === 0) return text.replace("-", "");
  return text.startsWith("-") ? `−${text.slice(1)}` : text;
}

/**
 * An alpha in two decimals ("0.62", "−0.21"). When two decimals would put the figure on the
 * other side of a threshold than its verdict (0.7996 is tentative, "0.80" reads reliable),
 * three decimals rounded down keep the number and the reading consistent ("0.799").
 */
export function formatAlpha(value, verdict = null) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "";
  let text = Number(value).toFixed(2);
  if (verdict && verdict !== "undefined" && verdictOf(Number(text)) !== verdict) {
    text = (Math.floor(Number(value) * 1000) / 1000).toFixed(3);
  }
  return minus(text);
}

/** "0.41–0.80", or "−0.25 to 0.06" when a dash would read as a minus sign. */
export function formatInterval(ci) {
  if (!Array.isArray(ci) || ci.length !== 2 || ci.some((v) => v === null || v === undefined)) return "";
  const [low, high] = ci.map((v) => formatAlpha(v));
  return ci[0] < 0 ? `${low} to ${high}` : `${low}–${high}`;
}

export function alphaDefined(block) {
  return Boolean(block) && block.alpha !== null && block.alpha !== undefined;
}

/** "α = 0.62 (95% CI 0.41–0.80) · Not yet calibrated", or the reason in words when undefined. */
export function alphaText(block) {
  if (!block) return "";
  if (!alphaDefined(block)) return block.reading || block.reason || "Alpha is undefined.";
  const ci = formatInterval(block.ci);
  return `α = ${formatAlpha(block.alpha, block.verdict)}${ci ? ` (95% CI ${ci})` : ""} · ${block.reading}`;
}

/** The figure's parts as nodes (value, interval, reading), for lines and badges. */
function alphaParts(block) {
  if (!alphaDefined(block)) {
    return [h("span", { class: "alpha-reading", text: block?.reading || block?.reason || "Alpha is undefined." })];
  }
  const ci = formatInterval(block.ci);
  return [
    h("span", { class: "alpha-value", text: `α = ${formatAlpha(block.alpha, block.verdict)}` }),
    ci ? h("span", { class: "alpha-ci", text: ` (95% CI ${ci})` }) : null,
    h("span", { class: "alpha-sep", "aria-hidden": "true", text: " · " }),
    h("span", { class: "alpha-reading", text: block.reading }),
  ];
}

/** A small outlined badge: the criterion's alpha across the session's revealed interactions. */
export function criterionAlphaBadge(block, { revealedCount = null } = {}) {
  if (!block) return null;
  const verdict = block.verdict || "undefined";
  return h(
    "span",
    {
      class: `alpha-badge alpha-${verdict}`,
      "data-testid": "criterion-alpha",
      dataset: { verdict },
      title: criterionAlphaTitle(block, revealedCount),
    },
    h("span", { class: "alpha-dot", "aria-hidden": "true" }),
    h("span", { class: "alpha-scope", text: "Session " }),
    alphaParts(block),
  );
}

/** Title text of a criterion's alpha: what it is computed over. */
export function criterionAlphaTitle(block, revealedCount = null) {
  const over =
    revealedCount === null
      ? "the revealed interactions of this session"
      : `the ${revealedCount} revealed ${revealedCount === 1 ? "interaction" : "interactions"} of this session`;
  return `Krippendorff's alpha for this criterion across ${over}: each interaction is a unit, each reviewer a rater (${block.level} level).`;
}

/** The "What is α?" disclosure (built once per view so it stays open across updates). */
export function alphaHelp() {
  return h(
    "details",
    { class: "alpha-help" },
    h("summary", {}, "What is α?"),
    h(
      "div",
      { class: "alpha-help-body" },
      h("p", { text: ALPHA_HELP.join(" ") }),
      h("p", { class: "alpha-thresholds", text: ALPHA_THRESHOLDS }),
    ),
  );
}

/** Fills a line element with "Agreement  α = … (95% CI …) · reading", coloured by verdict. */
export function fillAlphaLine(element, block, { label = "Agreement", title = "" } = {}) {
  const verdict = block?.verdict || "undefined";
  element.className = `alpha-line alpha-${verdict}`;
  element.dataset.verdict = verdict;
  if (title) element.title = title;
  else element.removeAttribute("title");
  fill(element, h("span", { class: "alpha-label", text: label }), " ", ...alphaParts(block));
  return element;
}

/** "Nominal criteria (pass/fail, unordered labels)" for a measurement level. */
export function levelName(level) {
  return LEVEL_NAMES[level] || `${String(level).charAt(0).toUpperCase()}${String(level).slice(1)} criteria`;
}
