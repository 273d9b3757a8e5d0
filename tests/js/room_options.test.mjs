// The rating buttons of the scorecard: the key is shown once.
import assert from "node:assert/strict";
import { test } from "node:test";

import { showsKey } from "../../static/js/room/scorecard_keys.js";

test("a numeric label that starts with its key does not repeat the key", () => {
  assert.equal(showsKey(0, "1 · Poor"), false);
  assert.equal(showsKey(4, "5"), false);
});

test("words, pass/fail and labels that do not start with the key show the key", () => {
  assert.equal(showsKey(0, "Pass"), true);
  assert.equal(showsKey(1, "Partly"), true);
  assert.equal(showsKey(0, "0 · None"), true); // a scale from 0: key 1 is the label 0
  assert.equal(showsKey(0, "10 · Best"), true);
});

test("only 1 to 9 are keys", () => {
  assert.equal(showsKey(9, "Tenth"), false);
});
