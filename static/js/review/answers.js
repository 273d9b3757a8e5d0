// The viewer's own review answers the server has not acknowledged yet: one entry per item, the
// newest change winning, kept in localStorage so a reload or a dropped connection loses
// nothing, sent as `answer.save` frames and re-sent after every reconnect (the server keeps
// the newest timestamp, so a repeat is harmless). Only the acknowledgement of an entry's own
// last send removes it; a refusal drops it and keeps the server's message for the form.
//
// It rides on the LiveSession's socket without touching its (score) outbox: frames with our
// refs are ours, everything else is left to the LiveSession.

import { newRef } from "../live/socket.js";

export const ANSWER_FIELDS = [
  "relevant",
  "trending",
  "mistakes",
  "proposal",
  "new_wording",
  "new_guidance",
  "new_scale",
  "new_weight",
  "new_critical",
  "comment",
];

function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class AnswerOutbox extends EventTarget {
  constructor({ live, sessionId, userKey, storage = browserStorage() }) {
    super();
    this.live = live;
    this.storage = storage;
    this.key = `concord.review.s${sessionId}.u${userKey}`;
    this.entries = new Map(); // item id -> {item, ts, ...fields}
    this.refs = new Map(); // ref -> {item, ts}
    this.errors = new Map(); // item id -> message
    // Answers the server acknowledged: an unfinished answer is not broadcast, so until the next
    // snapshot these are the newest known values.
    this.confirmed = new Map(); // item id -> entry
    this.lastTs = 0;
    for (const entry of this.#read()) this.entries.set(entry.item, entry);
    live.socket.addEventListener("healthy", () => this.flush());
    live.socket.addEventListener("close", () => this.refs.clear());
    live.socket.addEventListener("frame", (event) => this.#onFrame(event.detail.frame));
  }

  get size() {
    return this.entries.size;
  }

  /** The unsent change of one item, or undefined. */
  pending(item) {
    return this.entries.get(item);
  }

  error(item) {
    return this.errors.get(item) || "";
  }

  /** What to show for the viewer's answer on one item: unsent, else acknowledged, else saved. */
  merged(item, saved) {
    const confirmed = this.confirmed.get(item);
    if (this.entries.has(item)) return this.entries.get(item);
    if (confirmed && (!saved || (saved.ts || 0) <= confirmed.ts)) return confirmed;
    return saved;
  }

  /** Whether the server holds the viewer's answer on one item. */
  isSaved(item, saved) {
    return !this.entries.has(item) && Boolean(this.confirmed.get(item) || saved);
  }

  /** Records a change of the viewer's answer on one item (all fields, as the form shows them). */
  save(item, fields) {
    const ts = Math.max(Date.now(), this.lastTs + 1);
    this.lastTs = ts;
    const entry = { item, ts };
    for (const name of ANSWER_FIELDS) entry[name] = fields[name] ?? (name === "new_critical" ? null : "");
    this.entries.set(item, entry);
    this.errors.delete(item);
    this.#write();
    this.#send(entry);
    this.#changed();
  }

  /** Forgets changes of items that can no longer be answered (revealed, or the review closed). */
  dropWhere(predicate) {
    let dropped = false;
    for (const item of [...this.entries.keys()]) {
      if (predicate(item)) {
        this.entries.delete(item);
        dropped = true;
      }
    }
    if (dropped) {
      this.#write();
      this.#changed();
    }
  }

  flush() {
    for (const entry of this.entries.values()) this.#send(entry);
  }

  #send(entry) {
    if (!this.live.socket.online) return;
    const ref = newRef();
    this.refs.set(ref, { item: entry.item, ts: entry.ts });
    const frame = { type: "answer.save", ref, item: entry.item, ts: entry.ts };
    for (const name of ANSWER_FIELDS) {
      const value = entry[name];
      // Unanswered questions travel as null (the server's "not answered yet").
      frame[name] = value === "" && ["relevant", "trending", "mistakes", "proposal"].includes(name) ? null : value;
    }
    this.live.socket.expectAnswer();
    this.live.socket.send(frame);
  }

  #onFrame(frame) {
    const sent = this.refs.get(frame.ref);
    if (!sent) return;
    if (frame.type === "ack") {
      this.refs.delete(frame.ref);
      const entry = this.entries.get(sent.item);
      if (entry && entry.ts === sent.ts) {
        this.entries.delete(sent.item);
        if (frame.applied !== false) this.confirmed.set(sent.item, entry);
        this.#write();
        if (frame.applied === false) this.live.sync();
      }
      this.#changed();
    } else if (frame.type === "error") {
      this.refs.delete(frame.ref);
      // An outage or a rate limit keeps the change: it is sent again after the reconnect.
      if (frame.code === "unavailable") return;
      if (frame.code === "rate_limited") {
        setTimeout(() => this.flush(), Math.max(1, Number(frame.retry_after) || 1) * 1000);
        return;
      }
      const entry = this.entries.get(sent.item);
      if (entry && entry.ts === sent.ts) {
        this.entries.delete(sent.item);
        this.errors.set(sent.item, frame.message || "The server refused this answer.");
        this.#write();
      }
      this.#changed();
    }
  }

  #read() {
    try {
      const raw = this.storage?.getItem(this.key);
      const list = raw ? JSON.parse(raw) : [];
      return Array.isArray(list) ? list.filter((entry) => Number.isInteger(entry?.item) && Number.isFinite(entry?.ts)) : [];
    } catch {
      return [];
    }
  }

  #write() {
    try {
      if (this.entries.size) this.storage?.setItem(this.key, JSON.stringify([...this.entries.values()]));
      else this.storage?.removeItem(this.key);
    } catch {
      // Storage full or refused: the change is still in memory and on its way.
    }
  }

  #changed() {
    this.dispatchEvent(new CustomEvent("change"));
  }
}
