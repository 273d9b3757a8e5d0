// The work column of the room: what the chosen tab shows. A reviewer scores an unrevealed
// interaction; a facilitator who does not score (or an observer) watches the progress; a
// revealed interaction shows the group's ratings; "All interactions" the session's ranking.
// Each view is built once when the column switches to it and then updated in place.

import { h } from "../live/dom.js";
import { createAllView } from "./all_view.js";
import { flagBadge, flagInfo } from "./flags.js";
import { createReveal } from "./reveal.js";
import { createScorecard } from "./scorecard.js";

/**
 * @param {RoomState} state
 * @param {object} els  work (the column), all (the "all interactions" section)
 * @param {object} options
 * @param {(itemId: number) => void} options.open  shows one interaction (from the all view)
 */
export function createWork(state, els, { open }) {
  const scorecard = createScorecard(state, els.work);
  const reveal = createReveal(state, els.work);
  const allView = createAllView(state, els.all, { open });
  let shown = { key: null, mode: null };

  function render() {
    if (state.active === "all") {
      allView.render();
      return;
    }
    const item = state.itemById(state.active);
    if (!item) return;
    const mode = item.revealed ? "reveal" : state.snap.me.can_score ? "score" : "watch";
    if (els.split) els.split.dataset.mode = mode; // the reveal gives the ranking more width
    const key = `${mode}:${item.id}`;
    if (shown.key !== key) {
      shown = { key, mode };
      state.signatures.delete("watch");
      scorecard.detach();
      reveal.detach();
      if (mode === "score") scorecard.build(item);
      else if (mode === "reveal") reveal.build(item);
      else els.work.replaceChildren();
    }
    if (mode === "score") scorecard.update();
    else if (mode === "reveal") reveal.update();
    else renderWatch(item);
  }

  /** The scorecard follows the outbox and the connection (saving…, saved, waiting). */
  function refreshScorecard() {
    if (shown.mode === "score") scorecard.update();
  }

  function renderWatch(item) {
    const { snap } = state;
    const scorers = snap.participants.filter((p) => p.scores);
    const flags = snap.flags?.[String(item.id)] || {};
    const data = { item, scorers: scorers.map((p) => [p.id, p.name, p.submitted.includes(item.id), p.online]), status: snap.session.status, flags };
    if (!state.changed("watch", data)) return;
    const percent = item.total ? Math.round((item.submitted / item.total) * 100) : 0;
    const bar = h("span", { class: "progress-fill" });
    bar.style.setProperty("--w", `${percent}%`);
    const status = snap.session.status;
    const heading =
      status === "draft" ? "Scoring has not started" : status === "closed" ? "Session closed" : "Scoring in progress";
    els.work.replaceChildren(
      h(
        "div",
        { class: "watch card" },
        h("h2", { text: heading }),
        h(
          "p",
          { class: "muted" },
          !snap.me.is_facilitator
            ? "You are observing: ratings stay hidden until the facilitator reveals this interaction."
            : status === "draft"
              ? "Reviewers can read the interactions now. Open scoring from the panel on the right when everyone is here."
              : "Ratings stay hidden, from you too, until you reveal this interaction.",
        ),
        h("p", { class: "watch-count" }, h("strong", { text: String(item.submitted) }), ` of ${item.total} submitted`),
        h("span", { class: "progress-track", role: "presentation" }, bar),
        h(
          "ul",
          { class: "watch-list" },
          scorers.map((p) =>
            h(
              "li",
              { class: p.submitted.includes(item.id) ? "is-done" : "" },
              h("span", { class: `dot${p.online ? " is-online" : ""}`, title: p.online ? "Online" : "Offline" }),
              h("span", { class: "watch-name", text: p.name }),
              h("span", {
                class: `badge ${p.submitted.includes(item.id) ? "badge-success" : ""}`,
                text: p.submitted.includes(item.id) ? "Submitted" : "Not yet",
              }),
            ),
          ),
        ),
        h("h3", { class: "watch-sub", text: "Criteria being calibrated" }),
        // Reviewers' flags arrive before the reveal (a wish to discuss, never a rating).
        h(
          "ol",
          { class: "watch-criteria" },
          snap.criteria.map((c) => h("li", { "data-testid": "watch-criterion" }, c.name, " ", flagBadge(flagInfo(snap, item.id, c.id)))),
        ),
      ),
    );
  }

  return { render, refreshScorecard };
}
