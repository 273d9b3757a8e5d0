// What the review room and present mode both draw: a criterion's text, the evidence from the
// team's history beside it, and, once revealed, the tallies and everyone's answers. Pure
// functions of the snapshot; text is always inserted as text.

import { h } from "../live/dom.js";

export const CHOICES = [
  ["yes", "Yes"],
  ["no", "No"],
  ["unsure", "Unsure"],
];
export const PROPOSALS = [
  ["keep", "Keep"],
  ["change", "Change"],
  ["delete", "Delete"],
];
const CHOICE_TEXT = Object.fromEntries([...CHOICES, ...PROPOSALS]);

export function itemTitle(item) {
  return item.kind === "proposal" ? `Proposed: ${item.name}` : item.name;
}

export function criterionText(item) {
  const facts = [];
  if (item.scale) facts.push(`Scale: ${item.scale}`);
  if (item.weight !== null && item.weight !== undefined) facts.push(`Weight ${item.weight}`);
  if (item.critical) facts.push("Critical");
  return h(
    "div",
    { class: "review-criterion", dataset: { testid: "review-criterion" } },
    item.proposed_by ? h("p", { class: "muted", text: `Proposed by ${item.proposed_by} during this review.` }) : null,
    item.description ? h("p", { text: item.description }) : null,
    item.guidance_right || item.guidance_wrong
      ? h(
          "dl",
          { class: "review-guidance" },
          item.guidance_right ? [h("dt", { text: "Doing it right" }), h("dd", { text: item.guidance_right })] : null,
          item.guidance_wrong ? [h("dt", { text: "Doing it wrong" }), h("dd", { text: item.guidance_wrong })] : null,
        )
      : null,
    facts.length ? h("p", { class: "muted", text: facts.join(" · ") }) : null,
  );
}

/** The evidence panel: agreement with its interval, spread, fail / N/A / most-disputed rates,
 *  the calibration notes, or why there is too little history to judge. */
export function evidencePanel(item) {
  if (item.kind === "proposal") {
    return h("section", { class: "review-evidence", dataset: { testid: "review-evidence" } },
      h("h3", { text: "Evidence" }), h("p", { class: "muted", text: "A proposed criterion has no history yet." }));
  }
  const evidence = item.evidence || {};
  const figures = evidence.figures || [];
  const notes = evidence.notes || [];
  return h(
    "section",
    { class: "review-evidence", dataset: { testid: "review-evidence" }, "aria-label": "Evidence from the team's history" },
    h("h3", { text: "Evidence from recent scoring sessions" }),
    evidence.shortfall ? h("p", { class: "review-shortfall", dataset: { testid: "evidence-shortfall" }, text: evidence.shortfall }) : null,
    figures.length
      ? h("dl", { class: "review-figures" }, figures.flatMap(([label, value]) => [h("dt", { text: label }), h("dd", { text: value })]))
      : null,
    evidence.basis ? h("p", { class: "muted", text: evidence.basis }) : null,
    (evidence.flags || []).length
      ? h("ul", { class: "review-flags" }, evidence.flags.map((flag) => h("li", { class: "badge badge-warning", text: flag })))
      : null,
    h("h4", { text: `Calibration notes (${notes.length})` }),
    notes.length
      ? h(
          "ul",
          { class: "review-notes", dataset: { testid: "evidence-notes" } },
          notes.map((note) =>
            h(
              "li",
              {},
              h("p", { text: note.text }),
              h("p", { class: "muted", text: [note.session, note.date, note.interaction, note.rating].filter(Boolean).join(" · ") }),
            ),
          ),
        )
      : h("p", { class: "muted", text: "No calibration notes on this criterion." }),
  );
}

function tallyLine(label, counts, choices) {
  const total = choices.reduce((sum, [value]) => sum + (counts[value] || 0), 0);
  return h(
    "div",
    { class: "review-tally" },
    h("span", { class: "review-tally-label", text: label }),
    h(
      "span",
      { class: "review-tally-counts" },
      choices.map(([value, text]) =>
        h("span", { class: `review-count review-count-${value}`, dataset: { testid: `tally-${value}` } }, `${text} ${counts[value] || 0}`),
      ),
      h("span", { class: "muted", text: ` of ${total}` }),
    ),
  );
}

export function talliesBlock(snap, item) {
  const tallies = item.tallies || {};
  return h(
    "section",
    { class: "review-tallies", dataset: { testid: "review-tallies" } },
    h("h3", { text: `Answers (${item.answers.length})` }),
    snap.questions.map((question) => tallyLine(question.text, tallies[question.name] || {}, CHOICES)),
    tallyLine("Proposals", tallies.proposal || {}, PROPOSALS),
  );
}

export function answersList(item) {
  if (!item.answers.length) return h("p", { class: "muted", text: "Nobody answered this criterion." });
  return h(
    "ul",
    { class: "review-answers", dataset: { testid: "review-answers" } },
    item.answers.map((answer) => {
      const proposed = [];
      if (answer.new_wording) proposed.push(`Wording: ${answer.new_wording}`);
      if (answer.new_guidance) proposed.push(`Guidance: ${answer.new_guidance}`);
      if (answer.new_scale) proposed.push(`Scale: ${answer.new_scale}`);
      if (answer.new_weight) proposed.push(`Weight: ${answer.new_weight}`);
      if (answer.new_critical !== null && answer.new_critical !== undefined) proposed.push(answer.new_critical ? "Make it critical" : "Not critical");
      return h(
        "li",
        { class: "review-answer", dataset: { testid: "review-answer" } },
        h("strong", { text: answer.label }),
        " ",
        h("span", {
          class: "muted",
          text: [
            ["Relevant", "relevant"],
            ["Trending", "trending"],
            ["Mistakes", "mistakes"],
          ]
            .map(([label, name]) => `${label}: ${CHOICE_TEXT[answer[name]] || "–"}`)
            .join(" · "),
        }),
        answer.proposal ? h("span", { class: `badge review-proposal-${answer.proposal}`, text: CHOICE_TEXT[answer.proposal] }) : null,
        proposed.length ? h("ul", { class: "review-proposed" }, proposed.map((line) => h("li", { text: line }))) : null,
        answer.comment ? h("p", { class: "review-comment", text: answer.comment }) : null,
      );
    }),
  );
}

export function decisionLine(item) {
  if (!item.decision) return null;
  const decided = item.decision.criterion;
  return h(
    "div",
    { class: "review-decision", dataset: { testid: "review-decision" } },
    h("strong", { text: `Decision: ${item.decision.label}` }),
    decided && decided.name !== item.name ? h("span", { text: ` → “${decided.name}”` }) : null,
    item.decision.rationale ? h("p", { text: item.decision.rationale }) : null,
  );
}
