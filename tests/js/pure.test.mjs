// The pure helpers of the live pages: backoff, connection words, timer, save state, lookups.
import assert from "node:assert/strict";
import { test } from "node:test";

import { connectionLabel } from "../../static/js/live/connection.js";
import { consensusText, currentRating, distributionRows, isDecided, ratingLabel } from "../../static/js/live/ratings.js";
import { excludedLine, perInteraction, raterCount, revealSummary, sessionFlipText } from "../../static/js/live/revealed.js";
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, backoffDelay } from "../../static/js/live/socket.js";
import { timerText } from "../../static/js/room/header.js";
import { choiceValue } from "../../static/js/room/revise.js";
import { missingNote, saveState } from "../../static/js/room/scorecard.js";

const passFail = { id: 4, choices: [[1, "Pass"], [0, "Fail"]], na_allowed: true, fail_values: [0] };

test("backoff doubles from 1 s to a 30 s cap, with equal jitter", () => {
  assert.equal(backoffDelay(0, () => 0), BACKOFF_MIN_MS / 2);
  assert.equal(backoffDelay(0, () => 1), BACKOFF_MIN_MS);
  assert.equal(backoffDelay(3, () => 1), 8000);
  assert.equal(backoffDelay(30, () => 1), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(30, () => 0), BACKOFF_MAX_MS / 2);
});

test("the connection pill counts what is waiting", () => {
  assert.equal(connectionLabel("online", 0), "Live");
  assert.equal(connectionLabel("online", 2), "Live · 2 unsaved");
  assert.equal(connectionLabel("reconnecting", 1), "Reconnecting… · 1 to send");
});

test("the timer reads minutes and seconds, then that time is up", () => {
  assert.equal(timerText(245), "4:05 left");
  assert.equal(timerText(59), "0:59 left");
  assert.equal(timerText(0), "Time is up");
});

test("the save state of a criterion", () => {
  assert.deepEqual(saveState({ error: "Refused.", score: {}, online: true }), ["Refused.", "error"]);
  assert.deepEqual(saveState({ score: { pending: true, sendable: false }, online: true }), ["Pick a rating to save the comment", "pending"]);
  assert.deepEqual(saveState({ score: { pending: true, sendable: true }, online: false }), ["Saving… (waiting for connection)", "pending"]);
  assert.deepEqual(saveState({ score: { pending: true, sendable: true }, online: true }), ["Saving…", "pending"]);
  assert.deepEqual(saveState({ score: { saved: true, value: 1, na: false }, online: true }), ["Saved", "ok"]);
  assert.deepEqual(saveState({ score: { saved: true, value: null, na: false }, online: true }), ["", ""]);
});

test("the submit note names what is missing, or counts it past three", () => {
  assert.deepEqual(missingNote("draft", ["A"]), ["Scoring has not started yet.", ""]);
  assert.deepEqual(missingNote("scoring", ["A", "B"]), ["Still to rate: A, B.", "missing"]);
  assert.deepEqual(missingNote("scoring", ["A", "B", "C", "D"]), ["4 criteria still to rate.", "missing"]);
  assert.deepEqual(missingNote("scoring", []), ["Every criterion is rated. Submit when you are ready.", "ready"]);
});

test("ratings are labelled as the scorecard names them", () => {
  assert.equal(ratingLabel(passFail, 0, false), "Fail");
  assert.equal(ratingLabel(passFail, null, true), "N/A");
  assert.equal(ratingLabel(passFail, null, false), "—");
  assert.equal(ratingLabel(passFail, 7, false), "7");
  assert.equal(consensusText(passFail, { value: 1, na: false }), "Agreed: Pass");
  assert.equal(consensusText(passFail, { value: null, na: false, note: "later" }), "No consensus yet");
  assert.equal(isDecided(undefined), false);
  const revised = { value: 0, na: false, revisions: [{ value: 1, na: false, comment: "ok" }] };
  assert.deepEqual(currentRating(revised), { value: 1, na: false, comment: "ok" });
  assert.equal(choiceValue({ value: null, na: true }), "na");
  assert.equal(choiceValue({ value: 2, na: false }), "2");
  assert.equal(choiceValue({ value: null, na: false }), "");
});

test("distribution rows: every option, N/A when allowed, widths against the largest count", () => {
  const rows = distributionRows(passFail, { 1: 3, 0: 1 }, { 1: "75%", 0: "25%" });
  assert.deepEqual(rows, [
    ["1", "Pass", 3, 100, "75%"],
    ["0", "Fail", 1, 33, "25%"],
    ["na", "N/A", 0, 0, "0%"],
  ]);
  // The share is the server's text, whatever the counts would round to here.
  assert.equal(distributionRows(passFail, { 1: 1, 0: 7 }, { 1: "12%", 0: "88%" })[0][4], "12%");
});

test("revealed lookups: raters, per interaction, excluded and summary lines", () => {
  const snap = {
    items: [
      { id: 1, revealed: true },
      { id: 2, revealed: false },
      { id: 3, revealed: true },
    ],
    revealed: {
      1: { ratings: { 4: [{ participant: "a" }, { participant: "b" }] }, ranking: [{ criterion: 4 }], consensus: { 4: { value: 1, na: false } } },
      3: { ratings: { 4: [] }, ranking: [{ criterion: 5 }], consensus: {} },
    },
  };
  assert.equal(raterCount(snap.revealed[1]), 2);
  assert.equal(raterCount(snap.revealed[3]), 0);
  assert.deepEqual(perInteraction(snap, 4).map((entry) => entry.item.id), [1]);
  assert.equal(excludedLine(["You", "Rahul"]), "Excluded (not submitted): You, Rahul");
  assert.equal(excludedLine([]), "");
  assert.equal(revealSummary(0, "exclude"), "No ratings to compare: no reviewer's ratings were included in this reveal.");
  assert.equal(revealSummary(1, "exclude"), "1 reviewer · criteria ranked by disagreement, most first.");
  assert.match(revealSummary(3, "include_drafts"), /^3 reviewers .* Drafts of reviewers who had not submitted are included\.$/);
  assert.equal(sessionFlipText({ critical_flips: 2 }, 3), "⚠ Pass/fail split on a critical criterion (2 of 3)");
});
