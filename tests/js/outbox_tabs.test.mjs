// Two tabs of one reviewer share the outbox in storage: nothing one tab changed is lost by the
// other's writes, acknowledgements or reconnects. A `storage` event is a reload() here.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox } from "../../static/js/live/outbox.js";
import { MemoryStorage } from "./storage.mjs";

const KEY = "concord.outbox.s1.u7";

function tabs() {
  const storage = new MemoryStorage();
  let time = 1_000_000;
  const now = () => time;
  const tick = (ms = 1) => {
    time += ms;
  };
  const tab = () => new Outbox({ storage, storageKey: KEY, now });
  return { storage, tick, a: tab(), b: tab() };
}

const stored = (storage) => JSON.parse(storage.getItem(KEY) || "[]").map((e) => [e.item, e.criterion, e.value]);
let refs = 0;
const ref = () => `r${++refs}`;

test("two tabs writing interleaved keep every change", () => {
  const { storage, tick, a, b } = tabs();
  a.save(1, 1, { value: 1 });
  tick();
  b.save(1, 2, { value: 2 }); // b never reloaded: it must not overwrite a's change
  tick();
  a.save(2, 1, { value: 3 });
  tick();
  b.save(2, 2, { value: 4 });
  assert.deepEqual(stored(storage).sort(), [
    [1, 1, 1],
    [1, 2, 2],
    [2, 1, 3],
    [2, 2, 4],
  ]);
  a.reload();
  b.reload();
  assert.equal(a.size, 4);
  assert.equal(b.size, 4);
});

test("on the same criterion the newest change wins in both tabs", () => {
  const { storage, tick, a, b } = tabs();
  a.save(1, 1, { value: 1 });
  tick();
  b.save(1, 1, { value: 5 });
  assert.equal(a.reload().changed, true);
  assert.equal(a.pending(1, 1).value, 5);
  assert.deepEqual(stored(storage), [[1, 1, 5]]);
  // An older change never wins, even written last.
  tick();
  storage.setItem(KEY, JSON.stringify([...JSON.parse(storage.getItem(KEY)), { item: 1, criterion: 1, value: 9, na: false, comment: "", ts: 2 }]));
  a.reload();
  assert.equal(a.pending(1, 1).value, 5);
});

test("an offline change in one tab survives the other tab's reconnect", () => {
  const { storage, tick, a, b } = tabs();
  // Tab a is offline: its change waits in the outbox.
  a.save(3, 4, { value: 2, comment: "typed offline" });
  tick();
  // Tab b reconnects: it takes a's change (the storage event) and sends it with its own.
  b.save(3, 5, { value: 1 });
  b.reload();
  const frames = b.framesToSend(ref);
  assert.deepEqual(frames.map((f) => [f.item, f.criterion, f.value, f.comment]), [
    [3, 4, 2, "typed offline"],
    [3, 5, 1, ""],
  ]);
  for (const frame of frames) assert.deepEqual(b.acknowledge(frame.ref), { changed: true, resync: false });
  assert.equal(b.size, 0);
  assert.equal(storage.getItem(KEY), null, "nothing left to send");
  // Tab a learns that its change is saved: no longer pending, shown as saved with its value.
  assert.equal(a.reload().changed, true);
  assert.equal(a.size, 0);
  assert.deepEqual(a.merged(3, 4, undefined), { value: 2, na: false, comment: "typed offline", pending: false, saved: true });
});

test("an acknowledgement in one tab does not remove the other tab's newer change", () => {
  const { tick, a, b } = tabs();
  a.save(1, 1, { value: 1 });
  const [frame] = a.framesToSend(ref);
  tick();
  b.reload();
  b.save(1, 1, { value: 2 }); // newer, made while a's send was on its way
  a.acknowledge(frame.ref);
  b.reload();
  assert.equal(b.pending(1, 1).value, 2);
  a.reload();
  assert.equal(a.pending(1, 1).value, 2, "tab a takes the newer change to send");
});

test("a write from a stale copy that left a change out is healed by the tab that holds it", () => {
  const { storage, a } = tabs();
  a.save(1, 1, { value: 1 });
  // Another tab wrote from a copy read before a's change (storage caches can lag).
  storage.setItem(KEY, JSON.stringify([{ item: 9, criterion: 9, value: 1, na: false, comment: "", ts: 1 }]));
  a.reload();
  assert.deepEqual(stored(storage).sort(), [
    [1, 1, 1],
    [9, 9, 1],
  ]);
  assert.equal(a.size, 2);
});

test("a change made after another tab's acknowledgement is newer than it", () => {
  const { tick, a, b } = tabs();
  b.save(1, 1, { value: 1 });
  const [frame] = b.framesToSend(ref);
  b.acknowledge(frame.ref);
  // Tab a's clock lags behind b's acknowledged change: its new change must still count.
  tick(-500);
  a.save(1, 1, { value: 4 });
  b.reload();
  assert.equal(b.pending(1, 1).value, 4);
});

test("a refusal in one tab is shown in the other and drops the change there", () => {
  const { tick, a, b } = tabs();
  a.save(2, 2, { value: 1 });
  tick();
  b.reload();
  const [frame] = b.framesToSend(ref);
  b.refuse(frame.ref, "This interaction is already revealed.");
  a.reload();
  assert.equal(a.size, 0);
  assert.equal(a.error(2, 2), "This interaction is already revealed.");
});

test("a change the server found stale in one tab makes the other resync", () => {
  const { tick, a, b } = tabs();
  a.save(2, 2, { value: 1 });
  tick();
  b.reload();
  const [frame] = b.framesToSend(ref);
  b.acknowledge(frame.ref, { applied: false });
  assert.deepEqual(a.reload(), { changed: true, resync: true });
});

test("a reloaded tab starts from the shared outbox minus what is settled", () => {
  const { storage, a } = tabs();
  a.save(1, 1, { value: 1 });
  a.save(1, 2, { value: 2 });
  const [first] = a.framesToSend(ref);
  a.acknowledge(first.ref);
  const fresh = new Outbox({ storage, storageKey: KEY });
  assert.equal(fresh.size, 1);
  assert.equal(fresh.pending(1, 2).value, 2);
});

test("settled marks are pruned after a day", () => {
  const { storage, tick, a } = tabs();
  a.save(1, 1, { value: 1 });
  a.acknowledge(a.framesToSend(ref)[0].ref);
  assert.ok(storage.getItem(`${KEY}.settled`));
  tick(25 * 60 * 60 * 1000);
  a.save(1, 2, { value: 1 });
  a.acknowledge(a.framesToSend(ref)[0].ref);
  assert.deepEqual(Object.keys(JSON.parse(storage.getItem(`${KEY}.settled`))), ["1:2"]);
});

test("unsent frames are only the changes not on their way", () => {
  const { tick, a, b } = tabs();
  a.save(1, 1, { value: 1 });
  assert.equal(a.unsentFrames(ref).length, 1);
  assert.equal(a.unsentFrames(ref).length, 0);
  tick();
  b.save(1, 2, { value: 2 });
  a.reload();
  assert.deepEqual(a.unsentFrames(ref).map((f) => f.criterion), [2]);
});

test("a rate-limited send is unsent again", () => {
  const { a } = tabs();
  a.save(1, 1, { value: 1 });
  const [frame] = a.unsentFrames(ref);
  assert.equal(a.release(frame.ref), true);
  assert.equal(a.size, 1);
  assert.equal(a.unsentFrames(ref).length, 1);
  assert.equal(a.release("not-a-save"), false);
});
