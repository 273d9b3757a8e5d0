// The revealed view, shared by the room and present mode: what a snapshot says about revealed
// interactions (lookups without DOM, testable in Node) and the pieces both pages draw the same
// way (a ranking row's flags, the excluded reviewers, the list of interactions under a criterion).

import { h } from "./dom.js";
import { rowLevel, rowLevelPill } from "./figures.js";
import { consensusText } from "./ratings.js";

export const FLIP_TEXT = "⚠ Pass/fail split on a critical criterion";

// --- lookups in a snapshot --------------------------------------------------------------

export function itemById(snap, id) {
  return snap.items.find((item) => item.id === Number(id));
}

export function criterionById(snap, id) {
  return snap.criteria.find((criterion) => criterion.id === Number(id));
}

export function revealedItems(snap) {
  return snap.items.filter((item) => item.revealed);
}

/** The alpha block of one criterion across the revealed interactions, or null. */
export function criterionAlpha(snap, criterionId) {
  return snap.agreement?.criteria?.[String(criterionId)] || null;
}

/** The alpha block of one revealed interaction over all its criteria, or null. */
export function interactionAlpha(snap, itemId) {
  return snap.agreement?.interactions?.[String(itemId)] || null;
}

/** How many reviewers' ratings a revealed interaction includes. */
export function raterCount(revealed) {
  const raters = new Set();
  for (const entries of Object.values(revealed?.ratings || {})) for (const entry of entries) raters.add(entry.participant);
  return raters.size;
}

/**
 * One criterion in each revealed interaction, in order: [{item, row, revealed, consensus}]
 * (interactions without a ranking row for it are left out).
 */
export function perInteraction(snap, criterionId) {
  const result = [];
  for (const item of revealedItems(snap)) {
    const revealed = snap.revealed[String(item.id)];
    const row = revealed?.ranking.find((r) => r.criterion === criterionId);
    if (!row) continue;
    result.push({ item, row, revealed, consensus: revealed.consensus[String(criterionId)] });
  }
  return result;
}

/** "You, Rahul Mehta" from the list of excluded reviewers (a count in anonymous sessions). */
export function excludedText(excluded) {
  if (!excluded || !excluded.length) return "";
  return Array.isArray(excluded) ? excluded.join(", ") : String(excluded);
}

/** "Excluded (not submitted): …", or "" when nobody was left out. */
export function excludedLine(excluded) {
  const text = excludedText(excluded);
  return text ? `Excluded (not submitted): ${text}` : "";
}

/** The flip text of a session ranking row: in how many revealed interactions it split. */
export function sessionFlipText(row, revealedCount) {
  return `${FLIP_TEXT} (${row.critical_flips} of ${revealedCount})`;
}

/** The line under a revealed interaction's heading: how many reviewers, or that none was included. */
export function revealSummary(raters, policy) {
  if (raters === 0) return "No ratings to compare: no reviewer's ratings were included in this reveal.";
  return (
    `${raters} ${raters === 1 ? "reviewer" : "reviewers"} · criteria ranked by disagreement, most first.` +
    (policy === "include_drafts" ? " Drafts of reviewers who had not submitted are included." : "")
  );
}

/** "3 revealed interactions", "1 revealed interaction". */
export function revealedCountText(count) {
  return `${count} revealed ${count === 1 ? "interaction" : "interactions"}`;
}

/** "4 ratings", "1 rating". */
export function ratingsCount(n) {
  return `${n} ${n === 1 ? "rating" : "ratings"}`;
}

// --- shared pieces ----------------------------------------------------------------------

/**
 * The flags of a ranking row: the critical pass/fail split (or, with `markCritical`, a
 * "Critical" badge when the criterion is critical but did not split), then the band.
 */
export function rankFlags(row, criterion, { flipText = FLIP_TEXT, markCritical = true } = {}) {
  let first = null;
  if (row.critical_flip) first = h("span", { class: "flip-badge", "data-testid": "critical-flip", text: flipText });
  else if (markCritical && criterion.critical) first = h("span", { class: "badge badge-danger", text: "Critical" });
  return [first, rowLevelPill(row)];
}

/**
 * The revealed interactions under one criterion, as list items coloured by their band;
 * `children(entry)` draws each one from {item, row, revealed, consensus, agreed} (agreed:
 * "Agreed: Pass" or "No consensus yet").
 */
export function perInteractionItems(snap, criterion, children) {
  return perInteraction(snap, criterion.id).map((entry) =>
    h(
      "li",
      { dataset: { level: rowLevel(entry.row) } },
      children({ ...entry, agreed: consensusText(criterion, entry.consensus) }),
    ),
  );
}

// --- the discussion queue ---------------------------------------------------------------

/** "3 of 20 agreed", as the server counts it, or "" before anything is revealed. */
export function progressText(snap) {
  const progress = snap.consensus_progress;
  return progress && progress.total ? progress.text : "";
}

/**
 * Where "Next undecided" goes from `last` ({item, criterion, index} or null): the server's queue
 * holds the undecided criteria in order of disagreement. The one after `last` if it is still
 * undecided; if it was just decided it left the queue, so the one now at its place; from the
 * end, back to the start. Returns {item, criterion, index} or null when all are decided.
 */
export function nextUndecided(queue, last) {
  if (!queue || !queue.length) return null;
  let index = 0;
  if (last) {
    const stillThere = queue[last.index]?.item === last.item && queue[last.index]?.criterion === last.criterion;
    const found = stillThere ? last.index : queue.findIndex((e) => e.item === last.item && e.criterion === last.criterion);
    index = found >= 0 ? found + 1 : last.index;
  }
  if (index >= queue.length) index = 0;
  return { ...queue[index], index };
}
