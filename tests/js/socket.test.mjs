// The socket's reconnects: backoff that a failing handshake cannot reset, a visible state at
// every moment, the heartbeat, and the server's "reconnecting to its database".
import assert from "node:assert/strict";
import { test } from "node:test";

import { connectionLabel } from "../../static/js/live/connection.js";
import { BACKOFF_MAX_MS, HEARTBEAT_EVERY_MS, LiveSocket, UNAVAILABLE_TEXT } from "../../static/js/live/socket.js";
import { FakeTimers, SNAPSHOT, fakeWebSocketClass } from "./fakes.mjs";

function setUp() {
  const timers = new FakeTimers();
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const socket = new LiveSocket({ url: "ws://test/ws/sessions/1/", WebSocketImpl: FakeWebSocket, timers, random: () => 1 });
  const states = [];
  socket.addEventListener("state", (event) => states.push(event.detail.state));
  return { timers, sockets, socket, states, last: () => sockets[sockets.length - 1] };
}

test("a handshake that opens and fails at once does not reset the backoff, nor show Live", () => {
  const { timers, socket, states, last } = setUp();
  socket.connect();
  const delays = [];
  for (let n = 0; n < 7; n++) {
    last().serverOpen();
    last().serverClose(1011); // the Redis outage: accepted, then group_add fails
    [delays[n]] = timers.pendingDelays();
    assert.equal(socket.state, "reconnecting");
    assert.equal(socket.retryIn, Math.ceil(delays[n] / 1000));
    timers.advance(delays[n]);
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, BACKOFF_MAX_MS, BACKOFF_MAX_MS]);
  assert.equal(states.includes("online"), false, "never Live without a snapshot");
});

test("the first snapshot makes the link Live and resets the backoff", () => {
  const { timers, socket, last } = setUp();
  let healthy = 0;
  socket.addEventListener("healthy", () => healthy++);
  socket.connect();
  last().serverOpen();
  last().serverClose(1011);
  timers.advance(timers.pendingDelays()[0]);
  last().serverOpen();
  last().serverClose(1011);
  timers.advance(timers.pendingDelays()[0]);
  last().serverOpen();
  assert.notEqual(socket.state, "online");
  last().serverSend(SNAPSHOT);
  assert.equal(socket.state, "online");
  assert.equal(socket.online, true);
  assert.equal(healthy, 1);
  last().serverSend(SNAPSHOT);
  assert.equal(healthy, 1, "later snapshots are not a new connection");
  last().serverClose(1006);
  assert.deepEqual(timers.pendingDelays(), [1000], "a healthy link earned a fresh backoff");
});

test("an unavailable frame and close 4013 say the server is reconnecting to its database", () => {
  const { timers, socket, last } = setUp();
  socket.connect();
  last().serverOpen();
  last().serverSend({ type: "error", code: "unavailable", ref: null, message: "The server is reconnecting to its database…" });
  last().serverClose(4013);
  assert.equal(socket.state, "unavailable");
  assert.equal(socket.serverMessage, "The server is reconnecting to its database…");
  assert.equal(
    connectionLabel(socket.state, 0, { retryIn: socket.retryIn, serverMessage: socket.serverMessage }),
    "The server is reconnecting to its database… Retrying in 1 s.",
  );
  // While the next handshake is on its way the words stay: no blank, no flash of Live.
  timers.advance(timers.pendingDelays()[0]);
  assert.equal(socket.state, "unavailable");
  assert.equal(socket.retryIn, null);
  last().serverOpen();
  last().serverSend(SNAPSHOT);
  assert.equal(socket.state, "online");
  assert.equal(socket.serverMessage, "");
});

for (const code of [4013, 1013]) {
  test(`close ${code} without a frame still names the outage (4013 from the server, 1013 from a proxy)`, () => {
    const { socket, last } = setUp();
    socket.connect();
    last().serverClose(code);
    assert.equal(socket.state, "unavailable");
    assert.equal(socket.serverMessage, UNAVAILABLE_TEXT);
  });
}

test("the heartbeat beats every 5 s and a silent link is dropped and retried", () => {
  const { timers, socket, last } = setUp();
  socket.connect();
  const first = last();
  first.serverOpen();
  first.serverSend(SNAPSHOT);
  timers.advance(HEARTBEAT_EVERY_MS);
  assert.deepEqual(first.sent.map((f) => f.type), ["ping"]);
  first.serverSend({ type: "pong", ref: first.sent[0].ref });
  timers.advance(HEARTBEAT_EVERY_MS);
  assert.equal(first.sent.length, 2);
  // No answer any more: within the timeout the link is declared dead and a retry planned.
  timers.advance(10_000);
  assert.equal(socket.state, "reconnecting");
  assert.equal(first.readyState, 3);
  timers.advance(timers.pendingDelays()[0]);
  assert.notEqual(last(), first, "a new socket");
});

test("a handshake that never completes is given up, never a stuck Connecting…", () => {
  const { timers, socket, sockets } = setUp();
  socket.connect();
  assert.equal(socket.state, "connecting");
  timers.advance(10_000);
  assert.equal(socket.state, "reconnecting");
  assert.ok(socket.retryIn >= 1);
  timers.advance(timers.pendingDelays()[0]);
  assert.equal(sockets.length, 2);
});

test("a close that retrying cannot help ends it with a reason", () => {
  const { timers, socket, last } = setUp();
  socket.connect();
  last().serverClose(4403);
  assert.equal(socket.state, "offline");
  assert.equal(socket.fatalMessage, "You are not a participant of this session.");
  assert.deepEqual(timers.pendingDelays(), []);
});

test("the pill counts down to the next attempt", () => {
  assert.equal(connectionLabel("reconnecting", 0, { retryIn: 4 }), "Reconnecting in 4 s…");
  assert.equal(connectionLabel("reconnecting", 2, { retryIn: null }), "Reconnecting… · 2 to send");
  assert.equal(connectionLabel("unavailable", 1, { retryIn: 3, serverMessage: "" }), `${UNAVAILABLE_TEXT} Retrying in 3 s. · 1 to send`);
  assert.equal(connectionLabel("online", 0), "Live");
});
