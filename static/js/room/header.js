// The room's header: the session's status, the scoring timer, the discussion's time box and the
// progress of the interaction on screen (or of all of them).

import { h } from "../live/dom.js";
import { createTimeboxDisplay } from "./timebox.js";

/** "4:05 left", "Time is up": the words of the timer for `left` seconds. */
export function timerText(left) {
  if (left === 0) return "Time is up";
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  return `${minutes}:${seconds} left`;
}

/**
 * @param {RoomState} state
 * @param {object} els  status, timer, progress, progressLabel
 */
export function createHeader(state, els) {
  // The criterion under discussion and its time, for everyone in the room.
  const timebox = createTimeboxDisplay({
    snap: () => state.snap,
    now: () => state.live.serverNow(),
    label: (box) => `${state.criterionById(box.criterion)?.name ?? "Criterion"} · ${state.itemName(box.item)}`,
  });
  els.timer.after(timebox.el);

  function render() {
    timebox.render();
    const { snap } = state;
    const { status, status_label: label } = snap.session;
    els.status.textContent = label;
    els.status.className = `badge live-status badge-status-${status}`;
    els.status.dataset.status = status;
    if (state.active === "all") {
      const submitted = snap.items.reduce((sum, item) => sum + item.submitted, 0);
      const total = snap.items.reduce((sum, item) => sum + item.total, 0);
      els.progressLabel.textContent = "All interactions";
      els.progress.textContent = `${submitted} of ${total} submitted`;
    } else {
      const item = state.itemById(state.active);
      els.progressLabel.textContent = state.itemName(state.active);
      els.progress.textContent = item ? `${item.submitted} of ${item.total} submitted` : "";
    }
    tick();
  }

  function tick() {
    const { session } = state.snap;
    const deadline = Date.parse(session.deadline);
    if (session.status !== "scoring" || Number.isNaN(deadline)) {
      els.timer.hidden = true;
      return;
    }
    const left = Math.max(0, Math.round((deadline - state.live.serverNow()) / 1000));
    els.timer.hidden = false;
    els.timer.dataset.kind = left === 0 ? "over" : left <= 120 ? "soon" : "";
    // Named, since the discussion's time box can run beside it.
    els.timer.replaceChildren(h("span", { class: "timebox-label", text: "Scoring" }), ` ${timerText(left)}`);
    els.timer.setAttribute("aria-label", left === 0 ? "Scoring time is up" : `${Math.ceil(left / 60)} minutes of scoring left`);
  }
  setInterval(tick, 1000);

  return { render };
}
