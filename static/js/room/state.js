// What every part of the room reads: the latest snapshot, the live connection, the interaction
// on screen, and a memo of what each region last drew (so an unchanged region is not redrawn).

import {
  criterionAlpha,
  criterionById,
  interactionAlpha,
  itemById,
  revealedItems,
} from "../live/revealed.js";

export class RoomState {
  /**
   * @param {object} options
   * @param {object} options.snap       the first snapshot (embedded in the page)
   * @param {LiveSession} options.live
   * @param {HTMLElement[]} options.tabs  the interaction tabs (data-item-id, -number, -title)
   */
  constructor({ snap, live, tabs }) {
    this.snap = snap;
    this.live = live;
    this.itemLabels = new Map(
      tabs.map((tab) => [Number(tab.dataset.itemId), { number: tab.dataset.number, title: tab.dataset.title }]),
    );
    this.active = tabs.length ? Number(tabs[0].dataset.itemId) : null; // an item id or "all"
    this.signatures = new Map(); // region -> JSON of what it shows
  }

  criterionById(id) {
    return criterionById(this.snap, id);
  }

  itemById(id) {
    return itemById(this.snap, id);
  }

  /** "Interaction 2": the number of its tab. */
  itemName(id) {
    return `Interaction ${this.itemLabels.get(Number(id))?.number ?? "?"}`;
  }

  isClosed() {
    return this.snap.session.status === "closed";
  }

  canEditScores() {
    return this.snap.session.status === "scoring" && this.snap.me.can_score;
  }

  /** The viewer's own rating as shown: an unsent change wins over the snapshot. */
  shownScore(itemId, criterionId) {
    return this.live.mergedScore(itemId, criterionId, this.snap.my_scores?.[String(itemId)]?.[String(criterionId)]);
  }

  // Agreement figures (Krippendorff's alpha), present once something is revealed.
  itemAlpha(id) {
    return interactionAlpha(this.snap, id);
  }

  criterionAlpha(id) {
    return criterionAlpha(this.snap, id);
  }

  revealedCount() {
    return revealedItems(this.snap).length;
  }

  /** Whether `region` would now show something else than last time (and remembers it). */
  changed(region, data) {
    const signature = JSON.stringify(data);
    if (this.signatures.get(region) === signature) return false;
    this.signatures.set(region, signature);
    return true;
  }
}

/** Whether one of the viewer's ratings is given (a value or N/A). */
export function isRated(score) {
  return score.na || (score.value !== null && score.value !== undefined);
}
