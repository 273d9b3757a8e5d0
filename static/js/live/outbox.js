// The outbox: the viewer's own rating changes the server has not acknowledged yet.
//
// One entry per (interaction, criterion), the newest change winning, kept in order of change and
// persisted in storage (localStorage in the browser) so that a reload or a crash loses nothing.
// Entries are sent as `score.save` frames and re-sent after every reconnect (the server makes a
// repeat harmless); only the acknowledgement of an entry's own last send removes it. No DOM, no
// socket and no timers here: the storage and the clock are injected, so this is tested in Node.

/** The key of one rating: "item:criterion". */
export function scoreKey(item, criterion) {
  return `${item}:${criterion}`;
}

/** Whether an entry can go to the server: a rating, N/A, or a comment on its own (kept as a draft). */
export function isSendable(entry) {
  return Boolean(entry) && (entry.na || entry.value !== null || Boolean((entry.comment || "").trim()));
}

export class Outbox {
  #entries = new Map(); // key -> entry, in order of change
  #refs = new Map(); // ref of the last send -> key
  #errors = new Map(); // key -> the server's refusal of the last change
  // Changes the server acknowledged: score saves are not broadcast, so until the next snapshot
  // these are the newest known values.
  #confirmed = new Map(); // key -> entry
  #lastTs = 0;

  /**
   * @param {object} options
   * @param {Storage|null} [options.storage]  getItem/setItem/removeItem (null: memory only)
   * @param {string} options.storageKey
   * @param {() => number} [options.now]      the clock, in ms
   */
  constructor({ storage = null, storageKey, now = () => Date.now() }) {
    this.storage = storage;
    this.storageKey = storageKey;
    this.now = now;
    this.#load();
  }

  /** Number of changes not yet acknowledged. */
  get size() {
    return this.#entries.size;
  }

  /**
   * Records a change of one of the viewer's ratings and returns its key. N/A clears the value.
   * The change replaces any unsent one of the same criterion and moves to the end of the queue.
   */
  save(item, criterion, change) {
    const key = scoreKey(item, criterion);
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
    this.#entries.delete(key); // re-insert: the map stays in order of change
    this.#entries.set(key, entry);
    this.#errors.delete(key);
    this.#persist();
    return key;
  }

  /**
   * The `score.save` frame for one entry, sent under `ref` (an earlier send of it no longer
   * counts), or null when there is nothing to send (no entry, or a comment-less empty one).
   */
  frameFor(key, ref) {
    const entry = this.#entries.get(key);
    if (!isSendable(entry)) return null;
    if (entry.ref) this.#refs.delete(entry.ref);
    entry.ref = ref;
    this.#refs.set(ref, key);
    return {
      type: "score.save",
      ref,
      item: entry.item,
      criterion: entry.criterion,
      value: entry.na ? null : entry.value,
      na: entry.na,
      comment: entry.comment,
      ts: entry.ts,
    };
  }

  /** Frames for every sendable entry, oldest change first (after a (re)connect). */
  framesToSend(makeRef) {
    const frames = [];
    for (const key of this.#entries.keys()) {
      if (!isSendable(this.#entries.get(key))) continue;
      frames.push(this.frameFor(key, makeRef()));
    }
    return frames;
  }

  /** The connection dropped: no send is in flight any more (entries stay, to be re-sent). */
  forgetSends() {
    this.#refs.clear();
    for (const entry of this.#entries.values()) entry.ref = null;
  }

  /**
   * The server acknowledged `ref`. Returns undefined when the ref is not a score save, else
   * {changed, resync}: changed when the entry was removed (only its own last send removes it),
   * resync when the server kept a newer value (another tab?) and the truth must be fetched.
   */
  acknowledge(ref, { applied = true } = {}) {
    const key = this.#refs.get(ref);
    if (key === undefined) return undefined;
    this.#refs.delete(ref);
    const entry = this.#entries.get(key);
    if (!entry || entry.ref !== ref) return { changed: false, resync: false };
    this.#entries.delete(key);
    if (applied === false) this.#confirmed.delete(key);
    else this.#confirmed.set(key, entry);
    this.#persist();
    return { changed: true, resync: applied === false };
  }

  /**
   * The server refused `ref` for good (revealed, closed, not on the scale): resending cannot
   * help, so the entry is dropped and the refusal kept. Returns undefined when the ref is not a
   * score save, else {changed, item, criterion}.
   */
  refuse(ref, message) {
    const key = this.#refs.get(ref);
    if (key === undefined) return undefined;
    this.#refs.delete(ref);
    const entry = this.#entries.get(key);
    if (!entry || entry.ref !== ref) return { changed: false };
    this.#entries.delete(key);
    this.#errors.set(key, message || "Not saved.");
    this.#persist();
    return { changed: true, item: entry.item, criterion: entry.criterion };
  }

  /** Forgets comments held for want of a rating on an interaction that can no longer be scored. */
  dropHeld(item) {
    let dropped = false;
    for (const [key, entry] of this.#entries) {
      if (entry.item === Number(item) && !isSendable(entry)) {
        this.#entries.delete(key);
        dropped = true;
      }
    }
    if (dropped) this.#persist();
    return dropped;
  }

  /** The pending change for one criterion, or undefined. */
  pending(item, criterion) {
    return this.#entries.get(scoreKey(item, criterion));
  }

  /** The server's refusal of the last change for one criterion, or "". */
  error(item, criterion) {
    return this.#errors.get(scoreKey(item, criterion)) || "";
  }

  /**
   * What to show for one of the viewer's own ratings: a pending change wins (pending: true),
   * then whichever of the acknowledged change and the snapshot's value is newer.
   * `saved` is {value, na, comment, ts} from snapshot.my_scores, or undefined.
   */
  merged(item, criterion, saved) {
    const key = scoreKey(item, criterion);
    const pending = this.#entries.get(key);
    if (pending) {
      return { value: pending.value, na: pending.na, comment: pending.comment, pending: true, sendable: isSendable(pending), saved: false };
    }
    const confirmed = this.#confirmed.get(key);
    if (confirmed && (!saved || (saved.ts || 0) < confirmed.ts)) {
      return { value: confirmed.value, na: confirmed.na, comment: confirmed.comment, pending: false, saved: true };
    }
    if (saved) return { value: saved.value, na: saved.na, comment: saved.comment || "", pending: false, saved: true };
    return { value: null, na: false, comment: "", pending: false, saved: false };
  }

  #nextTs() {
    // Strictly increasing even if two changes land in the same millisecond.
    this.#lastTs = Math.max(this.now(), this.#lastTs + 1);
    return this.#lastTs;
  }

  #load() {
    try {
      const stored = JSON.parse(this.storage?.getItem(this.storageKey) || "[]");
      stored.sort((a, b) => a.ts - b.ts);
      for (const entry of stored) {
        if (entry && entry.item && entry.criterion) {
          this.#entries.set(scoreKey(entry.item, entry.criterion), { ...entry, ref: null });
          this.#lastTs = Math.max(this.#lastTs, entry.ts || 0);
        }
      }
    } catch {
      /* storage unavailable or corrupt: start empty */
    }
  }

  #persist() {
    if (!this.storage) return;
    try {
      if (this.#entries.size === 0) {
        this.storage.removeItem(this.storageKey);
      } else {
        const entries = [...this.#entries.values()].map(({ ref: _ref, ...rest }) => rest);
        this.storage.setItem(this.storageKey, JSON.stringify(entries));
      }
    } catch {
      /* private mode or quota: the in-memory outbox still works */
    }
  }
}
