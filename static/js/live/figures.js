// Agreement figures as the server sends them: Krippendorff's alpha with its interval and
// reading, and the disagreement band of a ranking row.
//
// No statistics rule lives here. The server formats every figure (`alpha_text`, `ci_text`,
// `disagreement_text`), judges it (`verdict`, which picks the colour; `reading`, the words) and
// writes the help text (`figures_help`); this module only lays them out.

import { fill, h } from "./dom.js";

export const LEVEL_TEXT = {
  // A band without disagreement: its figure would be 0.00, which beside a word like
  // "Agreement" reads as no agreement at all, so this band shows no number.
  agree: "Full agreement",
  low: "Low disagreement",
  medium: "Medium disagreement",
  high: "High disagreement",
};

const LEVEL_NAMES = {
  nominal: "Nominal criteria (pass/fail, unordered labels)",
  ordinal: "Ordinal criteria (points, ordered labels)",
  interval: "Interval criteria",
  ratio: "Ratio criteria",
};

// --- alpha: text ------------------------------------------------------------------------

/** Whether an alpha block has a figure to show (else its reading says why not). */
export function alphaDefined(block) {
  return Boolean(block) && block.alpha_text !== null && block.alpha_text !== undefined;
}

/** The verdict a block is coloured by: reliable / tentative / not_calibrated / undefined. */
export function blockVerdict(block) {
  return block?.verdict || "undefined";
}

/** Why there is no figure, in words. */
function undefinedReading(block) {
  return block?.reading || block?.reason || "Alpha is undefined.";
}

/** "α = 0.62 (95% CI 0.41–0.80) · Not yet calibrated", or the reason in words when undefined. */
export function alphaText(block) {
  if (!block) return "";
  if (!alphaDefined(block)) return undefinedReading(block);
  return `α = ${block.alpha_text}${block.ci_text ? ` (95% CI ${block.ci_text})` : ""} · ${block.reading}`;
}

/** Title text of a criterion's alpha: what it is computed over. */
export function criterionAlphaTitle(block, revealedCount = null) {
  const over =
    revealedCount === null
      ? "the revealed interactions of this session"
      : `the ${revealedCount} revealed ${revealedCount === 1 ? "interaction" : "interactions"} of this session`;
  return `Krippendorff's alpha for this criterion across ${over}: each interaction is a unit, each reviewer a rater (${block.level} level).`;
}

/** "Nominal criteria (pass/fail, unordered labels)" for a measurement level. */
export function levelName(level) {
  return LEVEL_NAMES[level] || `${String(level).charAt(0).toUpperCase()}${String(level).slice(1)} criteria`;
}

// --- alpha: nodes -----------------------------------------------------------------------

/** The figure's parts as nodes (value, interval, reading), for lines and badges. */
function alphaParts(block) {
  if (!alphaDefined(block)) return [h("span", { class: "alpha-reading", text: undefinedReading(block) })];
  return [
    h("span", { class: "alpha-value", text: `α = ${block.alpha_text}` }),
    block.ci_text ? h("span", { class: "alpha-ci", text: ` (95% CI ${block.ci_text})` }) : null,
    h("span", { class: "alpha-sep", "aria-hidden": "true", text: " · " }),
    h("span", { class: "alpha-reading", text: block.reading }),
  ];
}

/** A small outlined badge: the criterion's alpha across the session's revealed interactions. */
export function criterionAlphaBadge(block, { revealedCount = null } = {}) {
  if (!block) return null;
  const verdict = blockVerdict(block);
  return h(
    "span",
    {
      class: `alpha-badge alpha-${verdict}`,
      "data-testid": "criterion-alpha",
      dataset: { verdict, figure: String(alphaDefined(block)) },
      title: alphaDefined(block) ? criterionAlphaTitle(block, revealedCount) : null,
    },
    alphaDefined(block) ? h("span", { class: "alpha-dot", "aria-hidden": "true" }) : null,
    // Without a figure the server's words say what they cover ("2 revealed interactions: …").
    alphaDefined(block) ? h("span", { class: "alpha-scope", text: "Session " }) : null,
    alphaParts(block),
  );
}

/** Fills a line element with "Agreement  α = … (95% CI …) · reading", coloured by verdict. */
export function fillAlphaLine(element, block, { label = "Agreement", title = "" } = {}) {
  const verdict = blockVerdict(block);
  element.className = `alpha-line alpha-${verdict}`;
  element.dataset.verdict = verdict;
  if (title) element.title = title;
  else element.removeAttribute("title");
  fill(element, h("span", { class: "alpha-label", text: label }), " ", ...alphaParts(block));
  return element;
}

/**
 * The criterion's alpha, large, for present mode: heading, figure, interval and reading (or
 * only the reading when there is no figure), as [nodes].
 */
export function largeAlphaParts(block, heading) {
  const scope = h("span", { class: "present-alpha-scope", text: heading });
  if (!alphaDefined(block)) return [scope, h("span", { class: "present-alpha-reason", text: block.reading })];
  return [
    scope,
    h("span", { class: "present-alpha-value", text: `α = ${block.alpha_text}` }),
    block.ci_text ? h("span", { class: "present-alpha-ci", text: `95% CI ${block.ci_text}` }) : null,
    h("span", { class: "present-alpha-reading", text: block.reading }),
  ];
}

/**
 * The "What is α?" disclosure, from the snapshot's `figures_help` ({explanation: [str],
 * thresholds: str}). Built once per view so that it stays open across updates.
 */
export function alphaHelp(help) {
  return h(
    "details",
    { class: "alpha-help" },
    h("summary", {}, "What is α?"),
    h(
      "div",
      { class: "alpha-help-body" },
      h("p", { text: (help?.explanation || []).join(" ") }),
      h("p", { class: "alpha-thresholds", text: help?.thresholds || "" }),
    ),
  );
}

// --- disagreement -------------------------------------------------------------------------

/**
 * Whether a ranking row has ratings to compare. An interaction's row counts its included
 * ratings (`n`); a session row has no disagreement when no revealed interaction had any.
 */
function comparable(row) {
  if (!row) return false;
  if ("n" in row) return row.n >= 2;
  return row.disagreement !== null && row.disagreement !== undefined;
}

/** The band a ranking row is coloured by ("none" when it has nothing to compare). */
export function rowLevel(row) {
  return comparable(row) ? row.level : "none";
}

/** The words of a row's band: "High disagreement · 0.67", "Only one rating", … */
export function rowLevelText(row) {
  if (comparable(row)) {
    const label = LEVEL_TEXT[row.level] || row.level;
    return row.disagreement_text && row.level !== "agree" ? `${label} · ${row.disagreement_text}` : label;
  }
  return row?.n === 1 ? "Only one rating" : "No ratings to compare";
}

/** The disagreement band of a criterion: "High disagreement · 0.67". */
export function levelPill(level, text) {
  return h(
    "span",
    { class: `level level-${level}`, "data-testid": "disagreement", dataset: { level } },
    LEVEL_TEXT[level] || level,
    text === null || text === undefined || level === "agree" ? null : h("span", { class: "level-value", text: ` · ${text}` }),
  );
}

/**
 * The band of a ranking row: the disagreement pill, or a neutral "No ratings to compare" when
 * fewer than two ratings were included (everyone excluded, or all but one), so an empty row
 * never reads as "Agreement".
 */
export function rowLevelPill(row) {
  if (comparable(row)) return levelPill(row.level, row.disagreement_text);
  return h(
    "span",
    {
      class: "level level-none",
      "data-testid": "disagreement",
      dataset: { level: "none" },
      title: row?.n === 1 ? "Only one rating was included: there is nothing to compare it with." : null,
    },
    rowLevelText(row),
  );
}
