// LiveSession over a fake socket: an outage or a rate limit never loses a change, the outbox is
// sent only once the link is healthy, and another tab's change is sent by this tab too.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LiveSession } from "../../static/js/live/session.js";
import { LiveSocket } from "../../static/js/live/socket.js";
import { FakeTimers, SNAPSHOT, fakeWebSocketClass } from "./fakes.mjs";
import { MemoryStorage } from "./storage.mjs";

function session(storage = new MemoryStorage()) {
  const timers = new FakeTimers();
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const socket = new LiveSocket({ url: "ws://test/", WebSocketImpl: FakeWebSocket, timers, random: () => 1 });
  const live = new LiveSession({ sessionId: 1, userKey: 7, socket, storage });
  live.connect();
  const last = () => sockets[sockets.length - 1];
  const healthy = () => {
    last().serverOpen();
    last().serverSend(SNAPSHOT);
  };
  return { live, timers, last, healthy, storage };
}

const saves = (socket) => socket.sent.filter((f) => f.type === "score.save");

test("the outbox goes out once the link is healthy, not on a bare handshake", () => {
  const { live, last, healthy, timers } = session();
  live.saveScore(1, 2, { value: 3 });
  last().serverOpen();
  assert.deepEqual(saves(last()), [], "accepted but no snapshot yet: nothing sent");
  live.saveScore(1, 3, { value: 1 });
  last().serverClose(1011);
  timers.advance(timers.pendingDelays()[0]);
  healthy();
  assert.deepEqual(saves(last()).map((f) => f.criterion), [2, 3]);
});

test("an unavailable error keeps the change, which is sent again after the reconnect", () => {
  const { live, last, healthy, timers } = session();
  healthy();
  live.saveScore(1, 2, { value: 3 });
  const [frame] = saves(last());
  const errors = [];
  live.addEventListener("scoreerror", (e) => errors.push(e.detail));
  live.addEventListener("servererror", (e) => errors.push(e.detail));
  last().serverSend({ type: "error", code: "unavailable", ref: frame.ref, message: "The server is reconnecting to its database…" });
  last().serverClose(4013);
  assert.deepEqual(errors, []);
  assert.equal(live.unsaved, 1);
  assert.equal(live.state, "unavailable");
  timers.advance(timers.pendingDelays()[0]);
  healthy();
  const [again] = saves(last());
  assert.equal(again.criterion, 2);
  last().serverSend({ type: "ack", ref: again.ref, applied: true });
  assert.equal(live.unsaved, 0);
});

test("a rate-limited change is kept and sent again", async () => {
  const { live, last, healthy } = session();
  healthy();
  live.saveScore(1, 2, { value: 3 });
  const [frame] = saves(last());
  last().serverSend({ type: "error", code: "rate_limited", ref: frame.ref, retry_after: 0, message: "Too fast." });
  assert.equal(live.unsaved, 1);
  assert.equal(live.scoreError(1, 2), "");
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(saves(last()).length, 2);
  assert.notEqual(saves(last())[1].ref, frame.ref);
});

test("a refusal drops the change and says why", () => {
  const { live, last, healthy } = session();
  healthy();
  live.saveScore(1, 2, { value: 3 });
  const [frame] = saves(last());
  last().serverSend({ type: "error", code: "refused", ref: frame.ref, message: "Already revealed." });
  assert.equal(live.unsaved, 0);
  assert.equal(live.scoreError(1, 2), "Already revealed.");
});

test("a change made in another tab is sent by this one when it is online", () => {
  const storage = new MemoryStorage();
  const online = session(storage);
  online.healthy();
  const other = new LiveSession({ sessionId: 1, userKey: 7, socket: new LiveSocket({ url: "ws://offline/", WebSocketImpl: class {}, timers: new FakeTimers() }), storage });
  other.saveScore(4, 5, { value: 2, comment: "from the other tab" });
  online.live.otherTabWrote(); // the storage event
  const [frame] = saves(online.last());
  assert.deepEqual([frame.item, frame.criterion, frame.comment], [4, 5, "from the other tab"]);
});

test("a presence frame updates who is online in the last snapshot, nothing else", () => {
  const { live, last, healthy } = session();
  healthy();
  const shown = [];
  live.addEventListener("snapshot", (e) => shown.push(e.detail.snapshot));
  const people = [{ id: 1, name: "You", online: true }, { id: 2, name: "Ann", online: false }];
  last().serverSend({ ...SNAPSHOT, version: 3, participants: people, items: [{ id: 9 }] });
  last().serverSend({ type: "presence", online: [2] });
  const merged = shown.at(-1);
  assert.deepEqual(merged.participants.map((p) => [p.id, p.online]), [[1, false], [2, true]]);
  assert.equal(merged.version, 3);
  assert.deepEqual(merged.items, [{ id: 9 }]);
  assert.equal(people[1].online, false, "the previous snapshot is not changed in place");
});

test("figures are merged only into the snapshot of their version", () => {
  const { live, last, healthy } = session();
  healthy();
  const shown = [];
  live.addEventListener("snapshot", (e) => shown.push(e.detail.snapshot));
  last().serverSend({ ...SNAPSHOT, version: 5, agreement: {}, figures_pending: true });
  last().serverSend({ type: "figures", version: 4, agreement: { session: { old: 1 } } });
  assert.equal(shown.length, 1, "figures of an older version are ignored");
  last().serverSend({ type: "figures", version: 5, agreement: { session: { nominal: 0.7 } } });
  assert.deepEqual(shown.at(-1).agreement, { session: { nominal: 0.7 } });
  assert.equal(shown.at(-1).figures_pending, false);
});

test("two pongs in a row ahead of the snapshot's version ask for a sync", () => {
  const { last, healthy } = session();
  healthy();
  last().serverSend({ ...SNAPSHOT, version: 5 });
  const syncs = () => last().sent.filter((f) => f.type === "sync").length;
  last().serverSend({ type: "pong", ref: "a", version: 6 });
  assert.equal(syncs(), 0, "one pong ahead may have overtaken the update");
  last().serverSend({ ...SNAPSHOT, version: 6 });
  last().serverSend({ type: "pong", ref: "b", version: 7 });
  assert.equal(syncs(), 0, "the count starts again after a snapshot");
  last().serverSend({ type: "pong", ref: "c", version: 7 });
  assert.equal(syncs(), 1);
  last().serverSend({ type: "pong", ref: "d", version: 7 });
  assert.equal(syncs(), 1, "then it waits for the answer");
});
