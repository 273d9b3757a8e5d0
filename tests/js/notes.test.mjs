// What the scoring room says of a calibration note's origin.
import assert from "node:assert/strict";
import { test } from "node:test";

import { noteDate, noteSource } from "../../static/js/room/notes.js";

test("a note's date reads as on the scorecard page", () => {
  assert.equal(noteDate("2026-11-20"), "20 Nov 2026");
  assert.equal(noteDate("2026-01-05"), "5 Jan 2026");
  assert.equal(noteDate(""), "");
  assert.equal(noteDate("soon"), "soon");
});

test("a note names its session, date and agreed example", () => {
  const note = { session: "Weekly", date: "2026-11-20", interaction: "T-1 · Refund", rating: "Fail" };
  assert.equal(noteSource(note), "Weekly, 20 Nov 2026 · agreed example: T-1 · Refund rated Fail");
  assert.equal(noteSource({ ...note, rating: "" }), "Weekly, 20 Nov 2026 · agreed example: T-1 · Refund");
  // An example withheld (still to be rated blind in this session): no interaction, no rating.
  assert.equal(noteSource({ ...note, interaction: null, rating: null }), "Weekly, 20 Nov 2026");
});
