// "All interactions" in the room: the session's criteria ranked by mean disagreement over the
// revealed interactions, each with its band per interaction and the consensus reached, and
// above them the session's alpha per measurement level. Redrawn only when its data changes.

import { h } from "../live/dom.js";
import { alphaHelp, criterionAlphaBadge, fillAlphaLine, levelName, rowLevel, rowLevelPill } from "../live/figures.js";
import { perInteractionItems, rankFlags, revealedCountText, revealedItems, sessionFlipText } from "../live/revealed.js";
import { flagBadge, flagInfo } from "./flags.js";
import { ruleDisclosure } from "./reveal.js";

/**
 * @param {RoomState} state
 * @param {HTMLElement} container  the "all interactions" section
 * @param {object} options
 * @param {(itemId: number) => void} options.open  shows one interaction's reveal
 */
export function createAllView(state, container, { open }) {
  function render() {
    const { snap } = state;
    const data = { r: snap.session_ranking, rev: snap.revealed, rule: snap.rule, ag: snap.agreement, flags: snap.flags };
    if (!state.changed("all", data)) return;
    const revealed = revealedItems(snap);
    const list = h("ol", { class: "ranking ranking-session", "data-testid": "session-ranking" });
    snap.session_ranking.forEach((row, index) => {
      const criterion = state.criterionById(row.criterion);
      if (!criterion) return;
      const perItem = h(
        "ul",
        { class: "per-item" },
        perInteractionItems(snap, criterion, ({ item, row: itemRow, agreed }) => {
          const go = h("button", { type: "button", class: "per-item-link", text: state.itemName(item.id) });
          go.addEventListener("click", () => open(item.id));
          return [
            go,
            rowLevelPill(itemRow),
            itemRow.critical_flip ? h("span", { class: "flip-badge flip-small", text: "⚠ critical split" }) : null,
            h("span", { class: "per-item-consensus", text: agreed }),
            flagBadge(flagInfo(snap, item.id, criterion.id)),
          ];
        }),
      );
      list.append(
        h(
          "li",
          {
            class: `rank-row${row.critical_flip ? " has-flip" : ""}`,
            "data-testid": "session-ranking-row",
            dataset: { criterionId: criterion.id, level: rowLevel(row) },
          },
          h(
            "div",
            { class: "rank-head" },
            h("span", { class: "rank-pos", "aria-hidden": "true", text: String(index + 1) }),
            h(
              "div",
              { class: "rank-title" },
              h("h3", { text: criterion.name }),
              h(
                "div",
                { class: "rank-flags" },
                rankFlags(row, criterion, { flipText: sessionFlipText(row, revealed.length), markCritical: false }),
                h("span", { class: "muted rank-n", text: "mean over revealed interactions" }),
                criterionAlphaBadge(state.criterionAlpha(criterion.id), { revealedCount: revealed.length }),
              ),
            ),
          ),
          perItem,
        ),
      );
    });
    const pending = snap.items.length - revealed.length;
    container.replaceChildren(
      h(
        "div",
        { class: "reveal all-view card" },
        h("div", { class: "work-head" }, h("h2", { text: "All interactions" }), ruleDisclosure(snap.rule)),
        h(
          "p",
          { class: "muted reveal-sub" },
          `Criteria ranked by mean disagreement over ${revealedCountText(revealed.length)}.` +
            (pending ? ` ${pending} not revealed yet.` : ""),
        ),
        sessionAgreement(revealed.length),
        list,
      ),
    );
  }

  /** The session's alpha per measurement level, above the session ranking. */
  function sessionAgreement(revealedCount) {
    const levels = Object.entries(state.snap.agreement?.session || {});
    if (!levels.length) return null;
    const over = revealedCountText(revealedCount);
    return h(
      "div",
      { class: "alpha-bar alpha-session", "data-testid": "session-agreement" },
      h("h3", { class: "alpha-heading", text: "Agreement across the session" }),
      h(
        "ul",
        { class: "alpha-levels" },
        levels.map(([level, block]) =>
          h(
            "li",
            {},
            fillAlphaLine(h("span"), block, {
              label: levelName(level),
              title: `Krippendorff's alpha over every ${level} criterion of the ${over}: each interaction × criterion is a unit, each reviewer a rater.`,
            }),
          ),
        ),
      ),
      alphaHelp(state.snap.figures_help),
    );
  }

  return { render };
}
