// Figures are laid out from the server's strings; the browser adds words, never a number.
import assert from "node:assert/strict";
import { test } from "node:test";

import { alphaDefined, alphaText, blockVerdict, levelName, rowLevel, rowLevelText } from "../../static/js/live/figures.js";

const block = {
  level: "nominal",
  alpha: 0.7996,
  alpha_text: "0.799",
  ci: [0.41, 0.8],
  ci_text: "0.41–0.80",
  reading: "Tentative",
  verdict: "tentative",
};

test("alpha is written from alpha_text and ci_text, never from the raw value", () => {
  assert.equal(alphaText(block), "α = 0.799 (95% CI 0.41–0.80) · Tentative");
  // A raw value the text disagrees with: the text wins (the server chose the digits).
  assert.equal(alphaText({ ...block, alpha: 0.5 }), "α = 0.799 (95% CI 0.41–0.80) · Tentative");
  assert.equal(alphaText({ ...block, ci_text: null }), "α = 0.799 · Tentative");
});

test("an undefined alpha reads as its reason", () => {
  const none = { level: "nominal", alpha: null, alpha_text: null, reading: "Only one unit.", verdict: "undefined" };
  assert.equal(alphaDefined(none), false);
  assert.equal(alphaText(none), "Only one unit.");
  assert.equal(alphaText({ alpha_text: null, reason: "No pairs." }), "No pairs.");
  assert.equal(alphaText({ alpha_text: null }), "Alpha is undefined.");
  assert.equal(alphaText(null), "");
});

test("the verdict colours the block; no verdict is undefined", () => {
  assert.equal(blockVerdict(block), "tentative");
  assert.equal(blockVerdict({}), "undefined");
  assert.equal(blockVerdict(null), "undefined");
});

test("a disagreement band shows the server's disagreement_text", () => {
  assert.equal(rowLevelText({ level: "high", n: 3, disagreement: 0.6667, disagreement_text: "0.67" }), "High disagreement · 0.67");
  assert.equal(rowLevelText({ level: "agree", n: 3, disagreement: 0, disagreement_text: "0.00" }), "Full agreement");
  assert.equal(rowLevel({ level: "medium", n: 2, disagreement: 0.4 }), "medium");
});

test("a row with fewer than two ratings has nothing to compare, never 'Agreement'", () => {
  assert.equal(rowLevelText({ level: "agree", n: 1, disagreement: 0, disagreement_text: "0.00" }), "Only one rating");
  assert.equal(rowLevelText({ level: "agree", n: 0, disagreement: null, disagreement_text: null }), "No ratings to compare");
  assert.equal(rowLevel({ level: "agree", n: 1 }), "none");
  // A session row (no n) compares when any interaction had a disagreement.
  assert.equal(rowLevel({ level: "low", disagreement: 0.2 }), "low");
  assert.equal(rowLevel({ level: "agree", disagreement: null }), "none");
});

test("measurement levels are named for people", () => {
  assert.equal(levelName("ordinal"), "Ordinal criteria (points, ordered labels)");
  assert.equal(levelName("custom"), "Custom criteria");
});

test("a criterion the server sent without a figure shows only its words, muted", () => {
  const words = {
    level: "nominal",
    alpha: null,
    alpha_text: null,
    ci_text: null,
    reading: "2 revealed interactions: too few for this criterion's own α (5 needed). Same answer 67% of the time.",
    verdict: "undefined",
    enough_data: false,
  };
  assert.equal(alphaDefined(words), false);
  assert.equal(blockVerdict(words), "undefined");
  assert.equal(alphaText(words), words.reading);
  assert.doesNotMatch(alphaText(words), /α = /);
});
