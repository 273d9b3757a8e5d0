// Fakes for the socket tests: a clock with timers that run only when told, and a WebSocket the
// test drives (open, frames, close) and reads (what was sent).

export class FakeTimers {
  constructor(start = 1_000_000) {
    this.time = start;
    this.queue = new Map(); // id -> {at, fn, every}
    this.nextId = 1;
  }
  now() {
    return this.time;
  }
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.queue.set(id, { at: this.time + ms, fn, every: null });
    return id;
  }
  setInterval(fn, ms) {
    const id = this.nextId++;
    this.queue.set(id, { at: this.time + ms, fn, every: ms });
    return id;
  }
  clearTimeout(id) {
    this.queue.delete(id);
  }
  clearInterval(id) {
    this.queue.delete(id);
  }
  /** Moves the clock on by `ms`, running every timer that falls due, in order. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.queue) if (timer.at <= end && (!next || timer.at < next[1].at)) next = [id, timer];
      if (!next) break;
      const [id, timer] = next;
      this.time = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.queue.delete(id);
      timer.fn();
    }
    this.time = end;
  }
  /** The delay of the one pending one-shot timer due last (the planned retry). */
  pendingDelays() {
    return [...this.queue.values()].filter((t) => !t.every).map((t) => t.at - this.time);
  }
}

export function fakeWebSocketClass() {
  const sockets = [];
  class FakeWebSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      sockets.push(this);
    }
    send(data) {
      if (this.readyState !== 1) throw new Error("not open");
      this.sent.push(JSON.parse(data));
    }
    close() {
      this.readyState = 3;
    }
    // --- driven by the test ---
    serverOpen() {
      this.readyState = 1;
      this.dispatchEvent(new Event("open"));
    }
    serverSend(frame) {
      const event = new Event("message");
      event.data = JSON.stringify(frame);
      this.dispatchEvent(event);
    }
    serverClose(code) {
      this.readyState = 3;
      const event = new Event("close");
      event.code = code;
      this.dispatchEvent(event);
    }
  }
  return { FakeWebSocket, sockets };
}

export const SNAPSHOT = { type: "snapshot", session: { server_time: "2026-01-01T00:00:00Z" } };
