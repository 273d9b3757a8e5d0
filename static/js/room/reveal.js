// One revealed interaction in the room: its criteria ranked by disagreement, each with the
// distribution of answers, every reviewer's rating, the consensus and (for a reviewer) the form
// to revise their own rating. Rows are built once and then filled in place, so what the
// facilitator types in a consensus and an open revision form survive every snapshot.

import { ConsensusBlock } from "../live/consensus.js";
import { fill, h } from "../live/dom.js";
import { alphaHelp, criterionAlphaBadge, fillAlphaLine, rowLevel } from "../live/figures.js";
import { distributionChart, isDecided, ratingChip, reviewerList } from "../live/ratings.js";
import { excludedLine, raterCount, rankFlags, ratingsCount, revealSummary } from "../live/revealed.js";
import { act } from "./facilitator.js";
import { FLAG_KEY, createFlagToggle, flagBadge, flagInfo } from "./flags.js";
import { createRevise } from "./revise.js";

// On a focused ranking row, A accepts the answer everyone gave as the consensus.
const ACCEPT_KEY = "a";

/** The one answer of a unanimous row, as {value, na}, from its distribution ("na" or a code). */
function unanimousAnswer(row) {
  const [key] = Object.keys(row.distribution || {});
  return key === "na" ? { value: null, na: true } : { value: Number(key), na: false };
}

/** "How is this ranked?": the disagreement rule, as the server words it. */
export function ruleDisclosure(rule) {
  return h("details", { class: "rule" }, h("summary", {}, "How is this ranked?"), h("p", { text: rule }));
}

/**
 * @param {RoomState} state
 * @param {HTMLElement} container  the work column
 */
export function createReveal(state, container) {
  const { live } = state;
  let current = null; // {itemId, agreement, agreementBar, rows, ranking, excluded, summary}

  function build(item) {
    const ranking = h("ol", { class: "ranking", "data-testid": "ranking", dataset: { itemId: item.id } });
    const excluded = h("p", { class: "excluded", "data-testid": "excluded", hidden: true });
    const summary = h("p", { class: "muted reveal-sub" });
    const agreement = h("p", { class: "alpha-line", "data-testid": "agreement" });
    const agreementBar = h("div", { class: "alpha-bar", hidden: true }, agreement, alphaHelp(state.snap.figures_help));
    const acceptAll = h("button", { type: "button", class: "btn btn-small", "data-testid": "accept-all-unanimous", hidden: true });
    acceptAll.addEventListener("click", () =>
      act(live, acceptAll, "consensus.accept_unanimous", { item: item.id }),
    );
    container.replaceChildren(
      h(
        "div",
        { class: "reveal" },
        h(
          "div",
          { class: "work-head" },
          h("h2", { text: `How the group rated ${state.itemName(item.id)}` }),
          ruleDisclosure(state.snap.rule),
        ),
        summary,
        excluded,
        agreementBar,
        acceptAll,
        ranking,
      ),
    );
    current = { itemId: item.id, agreement, agreementBar, acceptAll, rows: new Map(), ranking, excluded, summary };
    ranking.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key.toLowerCase() === FLAG_KEY) {
        // F anywhere on a row but in a field: the viewer's flag on that criterion.
        const target = event.target;
        if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable) return;
        const toggle = target.closest?.(".rank-row")?.querySelector('[data-testid="flag-toggle"]');
        if (toggle && !toggle.hidden && !toggle.disabled) {
          event.preventDefault();
          toggle.click();
        }
        return;
      }
      if (event.key.toLowerCase() !== ACCEPT_KEY) return;
      if (event.target.classList?.contains("rank-row") !== true) return; // not while typing
      const button = event.target.querySelector('[data-testid="accept-unanimous"]');
      if (button && !button.hidden && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    });
  }

  function update() {
    if (!current) return;
    const { snap } = state;
    const item = state.itemById(current.itemId);
    const revealed = snap.revealed[String(item.id)];
    if (!revealed) return;
    const raters = raterCount(revealed);
    current.summary.dataset.empty = String(raters === 0);
    current.summary.textContent = revealSummary(raters, item.policy);
    const excluded = excludedLine(item.excluded);
    current.excluded.hidden = !excluded;
    current.excluded.textContent = excluded;
    const alpha = raters === 0 ? null : state.itemAlpha(item.id);
    current.agreementBar.hidden = !alpha;
    if (alpha) {
      const units = alpha.n_units === 1 ? "criterion is" : `${alpha.n_units} criteria are`;
      fillAlphaLine(current.agreement, alpha, {
        title: `Krippendorff's alpha for ${state.itemName(item.id)}: its ${units} the units, the reviewers the raters (${alpha.level} level).`,
      });
    }
    const editable = snap.me.is_facilitator && !state.isClosed();
    const pending = revealed.ranking.filter((row) => row.unanimous && !isDecided(revealed.consensus[String(row.criterion)]));
    current.acceptAll.hidden = !editable || pending.length === 0;
    current.acceptAll.textContent = `Accept all ${pending.length} unanimous ${pending.length === 1 ? "answer" : "answers"} as consensus`;
    const order = [];
    revealed.ranking.forEach((row, index) => {
      const criterion = state.criterionById(row.criterion);
      if (!criterion) return;
      let rowRef = current.rows.get(criterion.id);
      if (!rowRef) {
        rowRef = buildRow(item.id, criterion);
        current.rows.set(criterion.id, rowRef);
      }
      fillRow(rowRef, row, index, revealed);
      order.push(rowRef.li);
    });
    // Move rows only if the order changed: moving a node would take the focus out of it.
    const shown = [...current.ranking.children];
    if (shown.length !== order.length || shown.some((li, i) => li !== order[i])) {
      current.ranking.replaceChildren(...order);
    }
  }

  function buildRow(itemId, criterion) {
    // The head's text is redrawn on every snapshot; the flag toggle beside it stays (and keeps
    // the focus).
    const headInfo = h("div", { class: "rank-head-info" });
    const head = h("div", { class: "rank-head" }, headInfo);
    const dist = h("div", { class: "rank-dist" });
    const people = h("div", { class: "rank-people" });
    const consensus = new ConsensusBlock({ live, itemId, criterion });
    const flag = createFlagToggle({ live, itemId, criterionId: criterion.id });
    head.append(flag.el);
    // A unanimous criterion is one line: everyone's answer, Accept, and its details on demand.
    const accept = h("button", { type: "button", class: "btn btn-primary btn-small", "data-testid": "accept-unanimous", title: "Accept as consensus (key A on the row)" }, "Accept ", h("kbd", { text: "A" }));
    accept.addEventListener("click", () => act(live, accept, "consensus.accept_unanimous", { item: itemId, criterion: criterion.id }));
    const more = h("button", { type: "button", class: "btn btn-link btn-small", "data-testid": "unanimous-details", "aria-expanded": "false" }, "Details");
    const unanimous = h("div", { class: "rank-unanimous", "data-testid": "unanimous", hidden: true });
    const li = h(
      "li",
      { class: "rank-row", "data-testid": "ranking-row", dataset: { criterionId: criterion.id } },
      head,
      unanimous,
      h("div", { class: "rank-body" }, dist, people),
      consensus.el,
    );
    more.addEventListener("click", () => {
      const open = !li.classList.contains("is-expanded");
      li.classList.toggle("is-expanded", open);
      more.setAttribute("aria-expanded", String(open));
    });
    return { li, head, dist, people, consensus, criterion, itemId, revise: null, accept, more, unanimous, flag, headInfo };
  }

  function fillRow(rowRef, row, index, revealed) {
    const { criterion } = rowRef;
    const entries = revealed.ratings[String(criterion.id)] || [];
    const flags = flagInfo(state.snap, rowRef.itemId, criterion.id);
    rowRef.li.dataset.level = rowLevel(row);
    rowRef.li.classList.toggle("has-flip", row.critical_flip);
    rowRef.headInfo.replaceChildren(
      h("span", { class: "rank-pos", "aria-hidden": "true", text: String(index + 1) }),
      h(
        "div",
        { class: "rank-title" },
        h("h3", { text: criterion.name }),
        h(
          "div",
          { class: "rank-flags" },
          rankFlags(row, criterion),
          row.n ? h("span", { class: "muted rank-n", text: ratingsCount(row.n) }) : null,
          criterionAlphaBadge(state.criterionAlpha(criterion.id), { revealedCount: state.revealedCount() }),
          flagBadge(flags),
        ),
      ),
    );
    rowRef.flag.update(flags, { enabled: state.snap.me.can_score && !state.isClosed() });
    rowRef.li.classList.toggle("is-flagged", flags.count > 0);
    const agreed = revealed.consensus[String(criterion.id)];
    rowRef.li.classList.toggle("is-unanimous", Boolean(row.unanimous));
    rowRef.unanimous.hidden = !row.unanimous;
    if (row.unanimous) {
      const answer = unanimousAnswer(row);
      const canAccept = state.snap.me.is_facilitator && !state.isClosed() && !isDecided(agreed);
      rowRef.accept.hidden = !canAccept;
      // fill, not replaceChildren: a null child (nothing to accept) must not read "null".
      fill(
        rowRef.unanimous,
        h("span", { class: "unanimous-label", text: `Everyone (${ratingsCount(row.n)}): ` }),
        ratingChip(criterion, answer.value, answer.na),
        canAccept ? rowRef.accept : null,
        rowRef.more,
      );
    }
    rowRef.dist.replaceChildren(distributionChart(criterion, row));
    rowRef.people.replaceChildren(reviewerList(criterion, entries));
    rowRef.consensus.update(revealed.consensus[String(criterion.id)], {
      editable: state.snap.me.is_facilitator && !state.isClosed(),
    });
    updateRevise(rowRef, entries.find((entry) => entry.is_me));
  }

  function updateRevise(rowRef, mine) {
    const allowed = state.snap.me.can_score && !state.isClosed() && mine;
    if (!allowed) {
      if (rowRef.revise) rowRef.revise.hide();
      return;
    }
    if (!rowRef.revise) {
      rowRef.revise = createRevise({ live, itemId: rowRef.itemId, criterion: rowRef.criterion });
      rowRef.li.append(rowRef.revise.root);
    }
    rowRef.revise.show(mine);
  }

  return {
    build,
    update,
    detach() {
      current = null;
    },
  };
}
