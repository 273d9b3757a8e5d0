// Reviewers' flags and the discussion's time box, as the room and present mode read them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { flagInfo, flagText } from "../../static/js/room/flags.js";
import { currentTimebox, timeboxClock, timeboxText } from "../../static/js/room/timebox.js";

const snap = {
  session: { status: "revealed" },
  flags: { 4: { 7: { count: 2, by: ["Reviewer B", "You"], mine: true }, 8: { count: 1, by: [], mine: false } } },
};

test("a flag reads who wants to discuss it when the snapshot names them", () => {
  assert.deepEqual(flagInfo(snap, 4, 7), { count: 2, by: ["Reviewer B", "You"], mine: true });
  assert.equal(flagText(flagInfo(snap, 4, 7)), "⚑ 2 want to discuss this: Reviewer B, You");
});

test("a reviewer's snapshot gives only the count of other people's flags", () => {
  assert.equal(flagText(flagInfo(snap, 4, 8)), "⚑ 1 wants to discuss this");
});

test("a criterion nobody flagged has no flag text", () => {
  assert.deepEqual(flagInfo(snap, 4, 9), { count: 0, by: [], mine: false });
  assert.deepEqual(flagInfo({}, 1, 1), { count: 0, by: [], mine: false });
  assert.equal(flagText(flagInfo(snap, 5, 7)), "");
});

test("the time box counts down, says when it is up, then how far over it is", () => {
  const end = Date.parse("2026-12-04T19:10:00Z");
  assert.equal(timeboxText(timeboxClock(end, end - 151_000)), "2:31 left");
  assert.equal(timeboxText(timeboxClock(end, end - 200)), "Time's up");
  assert.equal(timeboxText(timeboxClock(end, end)), "Time's up");
  assert.equal(timeboxText(timeboxClock(end, end + 65_000)), "1:05 over");
});

test("a time box shows from the server's start, and not in a closed session", () => {
  const timebox = { item: 4, criterion: 7, minutes: 3, started_at: "2026-12-04T19:07:00Z", ends_at: "2026-12-04T19:10:00Z" };
  assert.equal(currentTimebox({ session: { status: "revealed" }, timebox }).endsAtMs, Date.parse("2026-12-04T19:10:00Z"));
  assert.equal(currentTimebox({ session: { status: "closed" }, timebox }), null);
  assert.equal(currentTimebox({ session: { status: "revealed" }, timebox: null }), null);
});

test("the shared screen shows how many flagged a criterion, never who", async () => {
  const { sharedFlagInfo } = await import("../../static/js/room/flags.js");
  assert.equal(flagText(sharedFlagInfo(snap, 4, 7)), "⚑ 2 want to discuss this");
});
