// The criterion review's answer outbox over a fake socket: nothing typed is lost to a reload or
// an outage, only the acknowledgement of the last send settles an answer, a refusal drops it
// with the server's words, and unanswered questions travel as null.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LiveSession } from "../../static/js/live/session.js";
import { LiveSocket } from "../../static/js/live/socket.js";
import { AnswerOutbox } from "../../static/js/review/answers.js";
import { FakeTimers, SNAPSHOT, fakeWebSocketClass } from "./fakes.mjs";
import { MemoryStorage } from "./storage.mjs";

function review(storage = new MemoryStorage()) {
  const timers = new FakeTimers();
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const socket = new LiveSocket({ url: "ws://test/", WebSocketImpl: FakeWebSocket, timers, random: () => 1 });
  const live = new LiveSession({ sessionId: 5, userKey: 7, socket, storage });
  const outbox = new AnswerOutbox({ live, sessionId: 5, userKey: 7, storage });
  live.connect();
  const last = () => sockets[sockets.length - 1];
  const healthy = () => {
    last().serverOpen();
    last().serverSend(SNAPSHOT);
  };
  return { live, outbox, timers, last, healthy, storage };
}

const sent = (socket) => socket.sent.filter((frame) => frame.type === "answer.save");

test("an answer typed offline survives a reload and goes out once the link is healthy", () => {
  const storage = new MemoryStorage();
  const first = review(storage);
  first.outbox.save(11, { relevant: "yes", comment: "draft" });
  assert.deepEqual(sent(first.last()), [], "not connected: nothing sent");

  const reloaded = review(storage);
  assert.equal(reloaded.outbox.pending(11).comment, "draft");
  reloaded.healthy();
  const [frame] = sent(reloaded.last());
  assert.equal(frame.item, 11);
  assert.equal(frame.relevant, "yes");
  assert.equal(frame.trending, null, "an unanswered question is null, not an empty choice");
  assert.equal(frame.comment, "draft");
});

test("only the acknowledgement of the last send settles an answer", () => {
  const { outbox, last, healthy } = review();
  healthy();
  outbox.save(3, { relevant: "yes" });
  outbox.save(3, { relevant: "no" });
  const [older, newer] = sent(last());
  last().serverSend({ type: "ack", ref: older.ref, saved: "answer", applied: true });
  assert.equal(outbox.pending(3).relevant, "no", "the older ack leaves the newer change");
  last().serverSend({ type: "ack", ref: newer.ref, saved: "answer", applied: true });
  assert.equal(outbox.pending(3), undefined);
  assert.equal(outbox.size, 0);
});

test("an outage keeps the answer and a reconnect sends it again", () => {
  const { outbox, last, healthy, timers } = review();
  healthy();
  outbox.save(4, { proposal: "change", new_wording: "Ask twice" });
  const [frame] = sent(last());
  last().serverSend({ type: "error", code: "unavailable", ref: frame.ref, message: "reconnecting" });
  last().serverClose(4013);
  assert.equal(outbox.pending(4).new_wording, "Ask twice");
  timers.advance(timers.pendingDelays()[0]);
  healthy();
  assert.equal(sent(last())[0].new_wording, "Ask twice");
});

test("a refusal drops the answer and keeps the server's words for the form", () => {
  const { outbox, last, healthy } = review();
  healthy();
  outbox.save(9, { relevant: "yes" });
  const [frame] = sent(last());
  last().serverSend({ type: "error", code: "refused", ref: frame.ref, message: "The answers on this criterion are revealed: they are final." });
  assert.equal(outbox.pending(9), undefined);
  assert.match(outbox.error(9), /revealed/);
});

test("answers of items that were revealed are forgotten", () => {
  const { outbox } = review();
  outbox.save(1, { relevant: "yes" });
  outbox.save(2, { relevant: "no" });
  outbox.dropWhere((item) => item === 1);
  assert.equal(outbox.pending(1), undefined);
  assert.equal(outbox.pending(2).relevant, "no");
});

test("an acknowledged answer is what the form shows until a newer snapshot", () => {
  const { outbox, last, healthy } = review();
  healthy();
  outbox.save(6, { comment: "unfinished" });
  const [frame] = sent(last());
  last().serverSend({ type: "ack", ref: frame.ref, saved: "answer", applied: true });
  // An unfinished answer is not broadcast: the older snapshot still says nothing.
  assert.equal(outbox.merged(6, undefined).comment, "unfinished");
  assert.equal(outbox.isSaved(6, undefined), true);
  assert.equal(outbox.merged(6, { comment: "newer elsewhere", ts: frame.ts + 5 }).comment, "newer elsewhere");
});
