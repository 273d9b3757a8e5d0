// The outbox keeps every unacknowledged rating change until its own ack removes it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox, isSendable, scoreKey } from "../../static/js/live/outbox.js";
import { MemoryStorage, manualClock } from "./storage.mjs";

const KEY = "concord.outbox.s1.u7";

function outbox(storage = new MemoryStorage(), now = manualClock()) {
  return new Outbox({ storage, storageKey: KEY, now });
}

test("a change is kept, persisted and sent as a score.save frame", () => {
  const storage = new MemoryStorage();
  const box = outbox(storage);
  const key = box.save(3, 9, { value: 2, na: false, comment: "why" });
  assert.equal(key, scoreKey(3, 9));
  assert.equal(box.size, 1);
  const frame = box.frameFor(key, "r1");
  assert.deepEqual(
    { ...frame, ts: undefined },
    { type: "score.save", ref: "r1", item: 3, criterion: 9, value: 2, na: false, comment: "why", ts: undefined },
  );
  const stored = JSON.parse(storage.getItem(KEY));
  assert.equal(stored.length, 1);
  assert.equal(stored[0].value, 2);
  assert.equal("ref" in stored[0], false, "a send reference is never persisted");
});

test("N/A clears the value", () => {
  const box = outbox();
  box.save(1, 1, { value: 3, na: true });
  assert.equal(box.pending(1, 1).value, null);
  assert.equal(box.pending(1, 1).na, true);
});

test("a newer change of the same criterion replaces the unsent one and moves to the end", () => {
  const clock = manualClock();
  const box = outbox(new MemoryStorage(), clock);
  box.save(1, 1, { value: 1 });
  clock.advance(1);
  box.save(1, 2, { value: 1 });
  clock.advance(1);
  box.save(1, 1, { value: 2 });
  assert.equal(box.size, 2);
  const frames = box.framesToSend((() => {
    let n = 0;
    return () => `r${++n}`;
  })());
  assert.deepEqual(frames.map((f) => [f.criterion, f.value]), [[2, 1], [1, 2]]);
});

test("timestamps strictly increase even within one millisecond", () => {
  const box = outbox(new MemoryStorage(), () => 5);
  box.save(1, 1, { value: 1 });
  box.save(1, 2, { value: 1 });
  assert.ok(box.pending(1, 2).ts > box.pending(1, 1).ts);
});

test("only the ack of the entry's last send removes it", () => {
  const box = outbox();
  const key = box.save(1, 1, { value: 1 });
  box.frameFor(key, "old");
  box.save(1, 1, { value: 2 });
  box.frameFor(key, "new");
  assert.deepEqual(box.acknowledge("old"), { changed: false, resync: false }, "a superseded send removes nothing");
  assert.equal(box.size, 1);
  assert.deepEqual(box.acknowledge("new"), { changed: true, resync: false });
  assert.equal(box.size, 0);
  // Acknowledged: shown as saved until a snapshot with a newer value arrives.
  assert.deepEqual(box.merged(1, 1, undefined), { value: 2, na: false, comment: "", pending: false, saved: true });
});

test("an ack of an unknown ref is not a score save", () => {
  assert.equal(outbox().acknowledge("request-7"), undefined);
});

test("an ack the server did not apply asks for a resync and forgets the confirmed value", () => {
  const box = outbox();
  const key = box.save(1, 1, { value: 1 });
  box.frameFor(key, "r");
  assert.deepEqual(box.acknowledge("r", { applied: false }), { changed: true, resync: true });
  assert.deepEqual(box.merged(1, 1, { value: 4, na: false, comment: "", ts: 1 }).value, 4);
});

test("a refusal drops the entry and keeps the server's message", () => {
  const box = outbox();
  const key = box.save(2, 5, { value: 1 });
  box.frameFor(key, "r");
  assert.deepEqual(box.refuse("r", "Already revealed."), { changed: true, item: 2, criterion: 5 });
  assert.equal(box.size, 0);
  assert.equal(box.error(2, 5), "Already revealed.");
  box.save(2, 5, { value: 2 });
  assert.equal(box.error(2, 5), "", "a new change clears the refusal");
});

test("after a dropped connection every entry is re-sent under a new ref", () => {
  const box = outbox();
  const key = box.save(1, 1, { value: 1 });
  box.frameFor(key, "lost");
  box.forgetSends();
  assert.equal(box.acknowledge("lost"), undefined);
  const [frame] = box.framesToSend(() => "again");
  assert.equal(frame.ref, "again");
  assert.deepEqual(box.acknowledge("again"), { changed: true, resync: false });
});

test("a comment without a rating is held, not sent, and dropped once the item is revealed", () => {
  const box = outbox();
  const key = box.save(1, 1, { value: null, comment: "  " });
  assert.equal(box.frameFor(key, "r"), null);
  assert.deepEqual(box.framesToSend(() => "r"), []);
  assert.equal(box.merged(1, 1).sendable, false);
  box.save(2, 1, { value: 1 });
  assert.equal(box.dropHeld(1), true);
  assert.equal(box.size, 1);
  assert.equal(box.dropHeld(2), false, "a rated change is never dropped");
});

test("a comment on its own is sendable (the server keeps it as a draft)", () => {
  assert.equal(isSendable({ value: null, na: false, comment: "note" }), true);
  assert.equal(isSendable({ value: null, na: false, comment: "" }), false);
  assert.equal(isSendable({ value: null, na: true, comment: "" }), true);
  assert.equal(isSendable(undefined), false);
});

test("a reload restores the outbox in order of change", () => {
  const storage = new MemoryStorage();
  const clock = manualClock();
  const first = outbox(storage, clock);
  first.save(1, 2, { value: 1 });
  clock.advance(5);
  first.save(1, 1, { value: 3, comment: "c" });
  const reloaded = outbox(storage, manualClock(0));
  assert.equal(reloaded.size, 2);
  assert.deepEqual(reloaded.framesToSend(() => "r").map((f) => f.criterion), [2, 1]);
  // The clock never goes back behind a stored change.
  reloaded.save(1, 3, { value: 1 });
  assert.ok(reloaded.pending(1, 3).ts > reloaded.pending(1, 1).ts);
});

test("corrupt or missing storage starts empty and still works in memory", () => {
  const storage = new MemoryStorage();
  storage.setItem(KEY, "{not json");
  assert.equal(outbox(storage).size, 0);
  const broken = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("quota"); }, removeItem() {} };
  const box = outbox(broken);
  box.save(1, 1, { value: 1 });
  assert.equal(box.size, 1);
  const memoryOnly = new Outbox({ storage: null, storageKey: KEY });
  memoryOnly.save(1, 1, { value: 1 });
  assert.equal(memoryOnly.size, 1);
});

test("the last acknowledged entry empties the stored outbox", () => {
  const storage = new MemoryStorage();
  const box = outbox(storage);
  const key = box.save(1, 1, { value: 1 });
  box.frameFor(key, "r");
  box.acknowledge("r");
  assert.equal(storage.getItem(KEY), null);
});

test("what is shown: pending wins, then the newer of the acknowledged change and the snapshot", () => {
  const clock = manualClock(100);
  const box = outbox(new MemoryStorage(), clock);
  assert.deepEqual(box.merged(1, 1, undefined), { value: null, na: false, comment: "", pending: false, saved: false });
  const saved = { value: 1, na: false, comment: "s", ts: 50 };
  assert.deepEqual(box.merged(1, 1, saved), { value: 1, na: false, comment: "s", pending: false, saved: true });
  const key = box.save(1, 1, { value: 2 });
  assert.equal(box.merged(1, 1, saved).pending, true);
  assert.equal(box.merged(1, 1, saved).value, 2);
  box.frameFor(key, "r");
  box.acknowledge("r");
  assert.equal(box.merged(1, 1, saved).value, 2, "the acknowledged change is newer than the snapshot");
  assert.equal(box.merged(1, 1, { ...saved, value: 3, ts: 10_000 }).value, 3, "a newer snapshot wins");
});
