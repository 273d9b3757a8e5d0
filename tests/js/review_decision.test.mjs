// The decision form spells a decided scale's fail values the way the server reads them back
// (scorecards.specs.parse_fail_text): "fail", point numbers, or label text.
import assert from "node:assert/strict";
import { test } from "node:test";

import { failText } from "../../static/js/review/decision.js";

test("fail values are written as the scale names them", () => {
  assert.equal(failText({ kind: "binary", labels: [], fail_values: [0] }), "fail");
  assert.equal(failText({ kind: "numeric", labels: [], fail_values: [1, 2] }), "1, 2");
  assert.equal(failText({ kind: "labels", labels: ["Missed", "Partly", "Fully"], fail_values: [0, 1] }), "Missed, Partly");
  assert.equal(failText({ kind: "labels", labels: ["Bad, really", "Good"], fail_values: [0] }), "Bad, really");
  assert.equal(
    failText({ kind: "labels", labels: ["Bad, really", "Poor", "Good"], fail_values: [0, 1] }),
    "Bad, really | Poor",
  );
});
