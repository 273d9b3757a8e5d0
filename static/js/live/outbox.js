// The outbox: the viewer's own rating changes the server has not acknowledged yet.
//
// One entry per (interaction, criterion), the newest change (client timestamp) winning, kept in
// order of change and persisted in storage (localStorage in the browser) so that a reload or a
// crash loses nothing. Entries are sent as `score.save` frames and re-sent after every
// reconnect (the server keeps the newest timestamp, so a repeat is harmless); only the
// acknowledgement of an entry's own last send removes it.
//
// Several tabs of the same reviewer share one outbox. Nobody overwrites it: every write merges
// what is stored with what this tab holds, by (interaction, criterion) and timestamp, and an
// entry leaves storage only through a "settled" mark (acknowledged, refused or dropped, with its
// timestamp) that the other tabs apply when they next read (`reload()`, on a `storage` event).
// An entry missing from storage is never taken as settled: a tab reading a stale copy may have
// written without it, and the next write of the tab that holds it puts it back.
//
// No DOM, no socket and no timers here: the storage and the clock are injected, so this is
// tested in Node.

const SETTLED_KEPT_MS = 24 * 60 * 60 * 1000;
const SETTLED_MAX = 500;

/** The key of one rating: "item:criterion". */
export function scoreKey(item, criterion) {
  return `${item}:${criterion}`;
}

/** Whether an entry can go to the server: a rating, N/A, or a comment on its own (kept as a draft). */
export function isSendable(entry) {
  return Boolean(entry) && (entry.na || entry.value !== null || Boolean((entry.comment || "").trim()));
}

function validEntry(entry) {
  return Boolean(entry) && Number.isInteger(entry.item) && Number.isInteger(entry.criterion) && Number.isFinite(entry.ts);
}

function stored(entry) {
  const { item, criterion, value, na, comment, ts } = entry;
  return { item, criterion, value: value ?? null, na: Boolean(na), comment: comment ?? "", ts };
}

export class Outbox {
  #entries = new Map(); // key -> entry, in order of change (timestamp)
  #refs = new Map(); // ref of the last send -> key
  #errors = new Map(); // key -> the server's refusal of the last change
  // Changes the server acknowledged: score saves are not broadcast, so until the next snapshot
  // these are the newest known values.
  #confirmed = new Map(); // key -> entry
  #settled = new Map(); // key -> {ts, kind: saved|stale|refused|dropped, value, na, comment, message}
  #lastTs = 0;
  #resyncWanted = false; // a stale mark was taken while writing: reload() reports it

  /**
   * @param {object} options
   * @param {Storage|null} [options.storage]  getItem/setItem/removeItem (null: memory only)
   * @param {string} options.storageKey       the entries; `${storageKey}.settled` the marks
   * @param {() => number} [options.now]      the clock, in ms
   */
  constructor({ storage = null, storageKey, now = () => Date.now() }) {
    this.storage = storage;
    this.storageKey = storageKey;
    this.settledKey = `${storageKey}.settled`;
    this.now = now;
    this.#absorb(this.#read());
  }

  /** Number of changes not yet acknowledged. */
  get size() {
    return this.#entries.size;
  }

  /** Whether a storage event for `key` concerns this outbox. */
  watches(key) {
    return key === null || key === this.storageKey || key === this.settledKey;
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
      ts: 0,
      ref: null,
    };
    if (entry.na) entry.value = null;
    // Newer than anything this tab has seen, another tab's changes included.
    this.#absorb(this.#read());
    entry.ts = this.#nextTs();
    this.#entries.delete(key); // re-insert: the map stays in order of change
    this.#entries.set(key, entry);
    this.#errors.delete(key);
    this.#persist();
    return key;
  }

  /**
   * Another tab wrote (a `storage` event): takes its newer changes and its settled marks.
   * Returns {changed, resync}: changed when what this tab shows may differ, resync when a
   * change was found stale on the server and the truth must be fetched.
   */
  reload() {
    const result = this.#absorb(this.#read());
    this.#persist(); // puts back what a write from a stale copy left out
    const resync = result.resync || this.#resyncWanted;
    this.#resyncWanted = false;
    return { changed: result.changed, resync };
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

  /** Frames for the sendable entries not on their way yet (a new change, another tab's). */
  unsentFrames(makeRef) {
    const frames = [];
    for (const [key, entry] of this.#entries) {
      if (entry.ref === null && isSendable(entry)) frames.push(this.frameFor(key, makeRef()));
    }
    return frames;
  }

  /** The connection dropped: no send is in flight any more (entries stay, to be re-sent). */
  forgetSends() {
    this.#refs.clear();
    for (const entry of this.#entries.values()) entry.ref = null;
  }

  /** `ref` will not be answered (rate limited): its entry is unsent again. True if it was a save. */
  release(ref) {
    const key = this.#refs.get(ref);
    if (key === undefined) return false;
    this.#refs.delete(ref);
    const entry = this.#entries.get(key);
    if (entry && entry.ref === ref) entry.ref = null;
    return true;
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
    this.#settle(key, entry, applied === false ? "stale" : "saved");
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
    this.#settle(key, entry, "refused", message || "Not saved.");
    this.#persist();
    return { changed: true, item: entry.item, criterion: entry.criterion };
  }

  /** Forgets comments held for want of a rating on an interaction that can no longer be scored. */
  dropHeld(item) {
    let dropped = false;
    for (const [key, entry] of this.#entries) {
      if (entry.item === Number(item) && !isSendable(entry)) {
        this.#entries.delete(key);
        this.#settle(key, entry, "dropped");
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

  // --- merging with the other tabs ------------------------------------------------------

  #nextTs() {
    // Strictly increasing even if two changes land in the same millisecond.
    this.#lastTs = Math.max(this.now(), this.#lastTs + 1);
    return this.#lastTs;
  }

  #settle(key, entry, kind, message = "") {
    const previous = this.#settled.get(key);
    if (previous && previous.ts > entry.ts) return;
    this.#settled.set(key, { ...stored(entry), kind, message });
  }

  /** What storage holds now: {entries: [entry], settled: Map}; empty when unreadable. */
  #read() {
    const result = { entries: [], settled: new Map() };
    if (!this.storage) return result;
    try {
      const entries = JSON.parse(this.storage.getItem(this.storageKey) || "[]");
      if (Array.isArray(entries)) result.entries = entries.filter(validEntry);
    } catch {
      /* storage unavailable or corrupt: nothing to take */
    }
    try {
      const settled = JSON.parse(this.storage.getItem(this.settledKey) || "{}");
      for (const [key, mark] of Object.entries(settled || {})) {
        if (mark && Number.isFinite(mark.ts)) result.settled.set(key, mark);
      }
    } catch {
      /* as above */
    }
    return result;
  }

  /**
   * Takes stored changes newer than this tab's and settled marks at least as new as its
   * entries. Returns {changed, resync}.
   */
  #absorb({ entries, settled }) {
    let changed = false;
    let resync = false;
    for (const [key, mark] of settled) {
      const mine = this.#settled.get(key);
      if (!mine || mine.ts < mark.ts) this.#settled.set(key, mark);
      this.#lastTs = Math.max(this.#lastTs, mark.ts);
    }
    for (const entry of entries) {
      const key = scoreKey(entry.item, entry.criterion);
      this.#lastTs = Math.max(this.#lastTs, entry.ts);
      const mark = this.#settled.get(key);
      if (mark && mark.ts >= entry.ts) continue;
      const mine = this.#entries.get(key);
      if (mine && mine.ts >= entry.ts) continue;
      this.#entries.set(key, { ...stored(entry), ref: null });
      this.#errors.delete(key);
      changed = true;
    }
    for (const [key, mark] of this.#settled) {
      const mine = this.#entries.get(key);
      if (!mine || mine.ts > mark.ts) continue;
      // Another tab's acknowledgement (or refusal) covers this tab's change too.
      this.#entries.delete(key);
      if (mine.ref) this.#refs.delete(mine.ref);
      if (mark.kind === "saved") this.#confirmed.set(key, { ...stored(mark), ref: null });
      else if (mark.kind === "refused") this.#errors.set(key, mark.message || "Not saved.");
      else if (mark.kind === "stale") resync = true;
      changed = true;
    }
    if (changed) this.#entries = new Map([...this.#entries].sort(([, a], [, b]) => a.ts - b.ts));
    return { changed, resync };
  }

  #persist() {
    if (!this.storage) return;
    try {
      // What another tab wrote since this tab last read stays: merge before writing.
      if (this.#absorb(this.#read()).resync) this.#resyncWanted = true;
      const stale = this.now() - SETTLED_KEPT_MS;
      const marks = [...this.#settled].filter(([, mark]) => mark.ts >= stale).sort(([, a], [, b]) => b.ts - a.ts);
      this.#settled = new Map(marks.slice(0, SETTLED_MAX));
      if (this.#entries.size === 0) this.storage.removeItem(this.storageKey);
      else this.storage.setItem(this.storageKey, JSON.stringify([...this.#entries.values()].map(stored)));
      if (this.#settled.size === 0) this.storage.removeItem(this.settledKey);
      else this.storage.setItem(this.settledKey, JSON.stringify(Object.fromEntries([...this.#settled].sort(([a], [b]) => (a < b ? -1 : 1)))));
    } catch {
      /* private mode or quota: the in-memory outbox still works */
    }
  }
}
