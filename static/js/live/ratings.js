// Revealed ratings: labels, chips, the distribution of answers and every reviewer's rating.

import { h, shortTime } from "./dom.js";

/** The label of a rating as the scorecard names it ("N/A" for not applicable). */
export function ratingLabel(criterion, value, na) {
  if (na) return "N/A";
  if (value === null || value === undefined) return "—";
  const choice = criterion.choices.find(([code]) => code === value);
  return choice ? choice[1] : String(value);
}

/** The newest value of a revealed rating: the last revision if any, else the blind one. */
export function currentRating(entry) {
  const last = entry.revisions?.length ? entry.revisions[entry.revisions.length - 1] : null;
  return last ? { value: last.value, na: last.na, comment: last.comment } : entry;
}

/** Is this code a failing answer on the criterion's scale? */
export function isFail(criterion, value, na) {
  return !na && value !== null && value !== undefined && criterion.fail_values.includes(value);
}

/** Whether a consensus ({value, na, note} or undefined) names an agreed rating. */
export function isDecided(consensus) {
  return Boolean(consensus) && (consensus.na || (consensus.value !== null && consensus.value !== undefined));
}

/** "Agreed: Pass" or "No consensus yet", for the lists of interactions under a criterion. */
export function consensusText(criterion, consensus) {
  return isDecided(consensus) ? `Agreed: ${ratingLabel(criterion, consensus.value, consensus.na)}` : "No consensus yet";
}

/** A rating as a chip, coloured as a pass, a fail or N/A. */
export function ratingChip(criterion, value, na, extraClass = "") {
  const fail = isFail(criterion, value, na);
  const kind = na ? " chip-na" : fail ? " chip-fail" : value === null || value === undefined ? "" : " chip-ok";
  return h("span", { class: `chip${kind}${extraClass}`, text: ratingLabel(criterion, value, na) });
}

/** Every reviewer's rating of one criterion: label, rating, revisions, comment. Never editable. */
export function reviewerList(criterion, entries) {
  const list = h("ul", { class: "reviewers" });
  if (!entries.length) {
    list.append(h("li", { class: "reviewer muted", text: "No ratings." }));
    return list;
  }
  for (const entry of entries) {
    const revisions = entry.revisions || [];
    const last = revisions.length ? revisions[revisions.length - 1] : null;
    const head = h(
      "div",
      { class: "reviewer-head" },
      h("span", { class: "reviewer-name", text: entry.label }),
      entry.is_baseline ? h("span", { class: "badge badge-primary", text: "Baseline" }) : null,
      ratingChip(criterion, entry.value, entry.na, last ? " is-superseded" : ""),
      last
        ? h(
            "span",
            { class: "reviewer-revised" },
            "revised to ",
            ratingChip(criterion, last.value, last.na),
            last.at ? h("time", { datetime: last.at, text: ` at ${shortTime(last.at)}` }) : null,
          )
        : null,
    );
    const item = h(
      "li",
      {
        class: `reviewer${entry.is_baseline ? " is-baseline" : ""}${entry.is_me ? " is-me" : ""}`,
        "data-testid": "reviewer-rating",
        dataset: { participantId: entry.participant },
      },
      head,
    );
    if (entry.comment) item.append(h("p", { class: "reviewer-comment", text: entry.comment }));
    if (last && last.comment && last.comment !== entry.comment) {
      item.append(h("p", { class: "reviewer-comment is-revision", text: `After discussion: ${last.comment}` }));
    }
    list.append(item);
  }
  return list;
}

/**
 * The rows of a distribution chart: [key, label, count, width %, share] for each option of the
 * scale, N/A included when allowed or used. The bar's width is layout (against the largest
 * count); the share is the server's text (`distribution_shares`), "0%" for an unchosen option.
 */
export function distributionRows(criterion, distribution, shares = {}) {
  const rows = criterion.choices.map(([code, label]) => [String(code), label]);
  if (criterion.na_allowed || distribution.na) rows.push(["na", "N/A"]);
  const max = Math.max(1, ...Object.values(distribution));
  return rows.map(([key, label]) => {
    const count = distribution[key] || 0;
    return [key, label, count, Math.round((count / max) * 100), count ? shares[key] ?? "" : "0%"];
  });
}

/** A small bar chart of how many chose each option, from a ranking row. */
export function distributionChart(criterion, row, { large = false } = {}) {
  const list = h("ul", {
    class: `dist${large ? " dist-large" : ""}`,
    "aria-label": "Distribution of answers",
    "data-testid": "distribution",
  });
  for (const [key, label, count, width, share] of distributionRows(criterion, row.distribution || {}, row.distribution_shares || {})) {
    const bar = h("span", { class: "dist-bar" });
    // Width from data, set through CSSOM (a style attribute would break a strict CSP).
    bar.style.setProperty("--w", `${width}%`);
    list.append(
      h(
        "li",
        { class: `dist-row${count ? "" : " is-zero"}`, dataset: { value: key } },
        h("span", { class: "dist-label", text: label }),
        h("span", { class: "dist-track" }, bar),
        h("span", { class: "dist-count", text: String(count), title: share || null }),
      ),
    );
  }
  return list;
}
