// The facilitator's path through the undecided criteria follows the server's queue.
import assert from "node:assert/strict";
import { test } from "node:test";

import { nextUndecided, progressText } from "../../static/js/live/revealed.js";

const queue = [
  { item: 2, criterion: 7 },
  { item: 1, criterion: 5 },
  { item: 1, criterion: 6 },
];

test("the first press goes to the most disagreed undecided criterion", () => {
  assert.deepEqual(nextUndecided(queue, null), { item: 2, criterion: 7, index: 0 });
});

test("the next press goes on in order and wraps at the end", () => {
  assert.deepEqual(nextUndecided(queue, { item: 2, criterion: 7, index: 0 }), { item: 1, criterion: 5, index: 1 });
  assert.deepEqual(nextUndecided(queue, { item: 1, criterion: 6, index: 2 }), { item: 2, criterion: 7, index: 0 });
});

test("a criterion decided meanwhile has left the queue: the one now at its place is next", () => {
  const after = queue.slice(1); // 2/7 was decided
  assert.deepEqual(nextUndecided(after, { item: 2, criterion: 7, index: 0 }), { item: 1, criterion: 5, index: 0 });
  assert.deepEqual(nextUndecided([queue[0]], { item: 1, criterion: 6, index: 2 }), { item: 2, criterion: 7, index: 0 });
});

test("nothing undecided: nowhere to go", () => {
  assert.equal(nextUndecided([], null), null);
  assert.equal(nextUndecided(undefined, null), null);
});

test("the progress is the server's words, and nothing before a reveal", () => {
  assert.equal(progressText({ consensus_progress: { decided: 3, total: 20, text: "3 of 20 agreed" } }), "3 of 20 agreed");
  assert.equal(progressText({ consensus_progress: { decided: 0, total: 0, text: "0 of 0 agreed" } }), "");
  assert.equal(progressText({}), "");
});
