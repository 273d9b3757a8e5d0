// Reviewers' flags: "I want the group to talk about this criterion". A flag never carries a
// rating. The snapshot says, per interaction and criterion, how many flagged it, whether the
// viewer did, and (for the facilitator only) who: aliases in an anonymous session.
// Shared by the room (scorecard, ranking rows) and present mode.

import { h, toast } from "../live/dom.js";

// In the room, F on a criterion (while scoring) or on a ranking row flags it.
export const FLAG_KEY = "f";

/** {count, by, mine} for one interaction × criterion (zeros when nobody flagged it). */
export function flagInfo(snap, itemId, criterionId) {
  const entry = snap?.flags?.[String(itemId)]?.[String(criterionId)];
  return { count: entry?.count || 0, by: entry?.by || [], mine: Boolean(entry?.mine) };
}

/** The same for a shared screen (present mode): how many, never who. */
export function sharedFlagInfo(snap, itemId, criterionId) {
  return { ...flagInfo(snap, itemId, criterionId), by: [] };
}

/** "⚑ 2 want to discuss this: Rahul Mehta, You", or "" when nobody flagged it. */
export function flagText({ count, by }) {
  if (!count) return "";
  const who = count === 1 ? "1 wants to discuss this" : `${count} want to discuss this`;
  return by.length ? `⚑ ${who}: ${by.join(", ")}` : `⚑ ${who}`;
}

/** The badge beside a criterion's name, or null. */
export function flagBadge(info, { large = false } = {}) {
  const text = flagText(info);
  if (!text) return null;
  return h("span", { class: `flag-badge${large ? " flag-badge-large" : ""}`, "data-testid": "flag-badge", text });
}

/**
 * A rater's toggle for one criterion of one interaction: "⚑ Discuss" / "⚑ Flagged". The
 * snapshot that follows the acknowledgement sets its state; `update(info)` redraws it.
 */
export function createFlagToggle({ live, itemId, criterionId, compact = false }) {
  const button = h("button", {
    type: "button",
    class: "btn btn-small flag-toggle",
    "data-testid": "flag-toggle",
    "aria-pressed": "false",
    title: "Ask the group to discuss this criterion (key F). Nobody sees your rating from it.",
  });
  let mine = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await live.request("flag.set", { item: Number(itemId), criterion: Number(criterionId), flagged: !mine });
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      button.disabled = false;
    }
  });
  return {
    el: button,
    update(info, { enabled = true } = {}) {
      mine = info.mine;
      button.hidden = !enabled;
      button.setAttribute("aria-pressed", String(mine));
      button.classList.toggle("is-flagged", mine);
      // Compact (the scorecard's crowded head): the mark and the key; the name says the rest.
      const words = mine ? "Flagged to discuss" : "Discuss";
      button.setAttribute("aria-label", mine ? "Flagged to discuss (press to take the flag back)" : "Flag to discuss");
      button.replaceChildren("⚑", compact && !mine ? "" : ` ${words}`, " ", h("kbd", { text: "F" }));
    },
  };
}
