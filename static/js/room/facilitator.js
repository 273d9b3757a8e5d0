// The facilitator's card in the room's rail: open scoring, reveal one interaction or the rest
// (with the policy for reviewers who have not submitted), close the session. Every action is a
// request over the live connection; a refusal is shown as a toast.

import { h, toast } from "../live/dom.js";
import { nextUndecided, progressText } from "../live/revealed.js";
import { DEFAULT_MINUTES, MAX_MINUTES, currentTimebox } from "./timebox.js";

// The key for "Next undecided" (free in the room: the scorecard's keys are digits, N, C, L and
// arrows, and only inside a criterion).
export const NEXT_UNDECIDED_KEY = "u";
// T starts (or stops) the time box of the criterion under discussion, as in present mode.
export const TIMEBOX_KEY = "t";

/**
 * Runs one request for a button: disabled while it is on its way, a toast if refused, then
 * `after()` (the rail is redrawn).
 */
export async function act(live, button, type, payload, after = () => {}) {
  button.disabled = true;
  try {
    await live.request(type, payload);
  } catch (error) {
    toast(error.message, { kind: "error" });
  } finally {
    button.disabled = false;
    after();
  }
}

/**
 * @param {RoomState} state
 * @param {HTMLElement} card
 * @param {object} options
 * @param {() => void} options.after  redraws the rail after an action
 * @param {(itemId: number) => void} options.open  shows one interaction's tab
 */
export function createFacilitator(state, card, { after, open }) {
  const { live } = state;
  let policy = "exclude";
  const hint = h("p", { class: "fac-hint" });
  const start = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "start-scoring" }, "Open scoring");
  const policySelect = h(
    "select",
    { id: "reveal-policy", "data-testid": "policy-select" },
    h("option", { value: "exclude", text: "Leave them out (exclude)" }),
    h("option", { value: "include_drafts", text: "Include their drafts" }),
  );
  policySelect.addEventListener("change", () => (policy = policySelect.value));
  const missing = h("p", { class: "fac-missing", "data-testid": "not-submitted" });
  const revealItem = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "reveal-item" }, "Reveal this interaction");
  const revealAll = h("button", { type: "button", class: "btn btn-block", "data-testid": "reveal-all" }, "Reveal all interactions");
  const revealGroup = h(
    "div",
    { class: "fac-group" },
    missing,
    h("div", { class: "field fac-field" }, h("label", { for: "reveal-policy", text: "Reviewers who have not submitted" }), policySelect),
    revealItem,
    revealAll,
  );
  const close = h("button", { type: "button", class: "btn btn-danger btn-block", "data-testid": "close-session" }, "Close session");
  const closeGroup = h("div", { class: "fac-group" }, close);
  // The discussion after the reveal: how many criteria are agreed, and the next undecided one.
  const progress = h("p", { class: "fac-progress", "data-testid": "consensus-progress", "aria-live": "polite" });
  const next = h(
    "button",
    { type: "button", class: "btn btn-block", "data-testid": "next-undecided", title: "Next undecided criterion, most disagreement first (key U)" },
    "Next undecided ",
    h("kbd", { text: "U" }),
  );
  const flagged = h("p", { class: "fac-flagged", "data-testid": "flagged-count", hidden: true });
  // The time box of the criterion under discussion (the row chosen by U or by a click).
  const minutes = h("input", { id: "timebox-minutes", type: "number", min: "1", max: String(MAX_MINUTES), value: String(DEFAULT_MINUTES), inputmode: "numeric", "data-testid": "timebox-minutes" });
  const timeboxStart = h("button", { type: "button", class: "btn btn-small", "data-testid": "timebox-start" }, "Start");
  const timeboxStop = h("button", { type: "button", class: "btn btn-small", "data-testid": "timebox-stop", hidden: true }, "Stop");
  const timeboxFor = h("p", { class: "fac-timebox-for muted", "data-testid": "timebox-for" });
  const timeboxGroup = h(
    "div",
    { class: "fac-timebox" },
    h("label", { for: "timebox-minutes", class: "fac-timebox-label", text: "Time box" }),
    timeboxFor,
    h("div", { class: "fac-timebox-row" }, minutes, h("span", { class: "muted", text: "min" }), timeboxStart, timeboxStop),
  );
  const discussGroup = h("div", { class: "fac-group", hidden: true }, progress, flagged, next, timeboxGroup);
  card.replaceChildren(h("h2", { class: "rail-heading", text: "Facilitator" }), hint, start, discussGroup, revealGroup, closeGroup);

  let last = null; // where "Next undecided" went last: {item, criterion, index}
  let discussed = null; // the criterion under discussion: {item, criterion}
  function setDiscussed(target) {
    discussed = target ? { item: Number(target.item), criterion: Number(target.criterion) } : null;
    render();
  }
  // A click or the focus on a ranking row makes it the criterion under discussion.
  const pickRow = (event) => {
    const row = event.target.closest?.('[data-testid="ranking-row"]');
    const ranking = row?.closest('[data-testid="ranking"]');
    if (row && ranking && state.snap.me.is_facilitator) {
      const target = { item: ranking.dataset.itemId, criterion: row.dataset.criterionId };
      if (Number(target.item) !== discussed?.item || Number(target.criterion) !== discussed?.criterion) setDiscussed(target);
    }
  };
  document.addEventListener("focusin", pickRow);
  document.addEventListener("click", pickRow);
  function goNextUndecided() {
    const target = nextUndecided(state.snap.consensus_progress?.queue, last);
    if (!target) return;
    last = target;
    setDiscussed(target);
    open(target.item);
    const row = document.querySelector(
      `[data-testid="ranking"][data-item-id="${target.item}"] [data-testid="ranking-row"][data-criterion-id="${target.criterion}"]`,
    );
    if (!row) return;
    for (const other of document.querySelectorAll(".rank-row.is-current")) other.classList.remove("is-current");
    row.classList.add("is-current");
    row.scrollIntoView({ block: "start", behavior: "smooth" });
    // The row, not its consensus field, takes the focus: U again goes on (Tab reaches the field).
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
  }
  next.addEventListener("click", goNextUndecided);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
    if (discussGroup.hidden) return;
    const key = event.key.toLowerCase();
    if (key === NEXT_UNDECIDED_KEY && !next.disabled) {
      event.preventDefault();
      goNextUndecided();
    } else if (key === TIMEBOX_KEY && !timeboxGroup.hidden) {
      // T: time the criterion under discussion, or stop the box running on it.
      const running = currentTimebox(state.snap);
      const here = running && discussed && running.item === discussed.item && running.criterion === discussed.criterion;
      const button = here ? timeboxStop : timeboxStart;
      if (!button.hidden && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    }
  });

  start.addEventListener("click", () => act(live, start, "start", {}, after));
  timeboxStart.addEventListener("click", () => {
    const value = Number(minutes.value);
    if (!discussed) return;
    if (!Number.isInteger(value) || value < 1 || value > MAX_MINUTES) {
      toast(`A time box lasts 1 to ${MAX_MINUTES} minutes.`, { kind: "error" });
      minutes.focus();
      return;
    }
    act(live, timeboxStart, "timebox.start", { item: discussed.item, criterion: discussed.criterion, minutes: value }, after);
  });
  timeboxStop.addEventListener("click", () => act(live, timeboxStop, "timebox.stop", {}, after));
  revealItem.addEventListener("click", () => {
    if (state.active !== "all") act(live, revealItem, "reveal", { item: state.active, policy }, after);
  });
  revealAll.addEventListener("click", () => act(live, revealAll, "reveal", { policy }, after));
  close.addEventListener("click", () => {
    const progress = state.snap.consensus_progress;
    const undecided = progress ? progress.total - progress.decided : 0;
    const readOnly = "It becomes read-only: no more consensus or action items.";
    if (undecided > 0) {
      // The server refuses an unconfirmed close while criteria are undecided: ask, naming them.
      const what = undecided === 1 ? "1 criterion is" : `${undecided} criteria are`;
      if (window.confirm(`${what} still undecided. Close the session anyway? ${readOnly}`)) {
        act(live, close, "close", { confirm_undecided: true }, after);
      }
    } else if (window.confirm(`Close the session? ${readOnly}`)) {
      act(live, close, "close", {}, after);
    }
  });

  function render() {
    const { snap } = state;
    card.hidden = !snap.me.is_facilitator;
    if (!snap.me.is_facilitator) return;
    const status = snap.session.status;
    const unrevealed = snap.items.filter((item) => !item.revealed);
    const item = state.active === "all" ? null : state.itemById(state.active);
    start.hidden = status !== "draft";
    revealGroup.hidden = status !== "scoring";
    closeGroup.hidden = status !== "revealed";
    policySelect.value = policy;
    const progressWords = progressText(snap);
    discussGroup.hidden = !progressWords;
    progress.textContent = progressWords;
    next.hidden = state.isClosed();
    next.disabled = !snap.consensus_progress?.queue?.length;
    const flaggedCount = snap.consensus_progress?.flagged || 0;
    flagged.hidden = !flaggedCount;
    flagged.textContent = `⚑ ${flaggedCount} undecided ${flaggedCount === 1 ? "criterion" : "criteria"} flagged to discuss (first in the queue)`;
    renderTimebox();
    if (status === "draft") {
      hint.textContent = "Reviewers can read the interactions. Open scoring when everyone is here.";
    } else if (status === "scoring") {
      hint.textContent = `${unrevealed.length} of ${snap.items.length} interactions still hidden.`;
    } else if (status === "revealed") {
      hint.textContent = "Everything is revealed. Record the consensus and action items, then close the session.";
    } else {
      hint.textContent = "The session is closed.";
    }
    if (status !== "scoring") return;
    const scorers = snap.participants.filter((p) => p.scores);
    if (item && !item.revealed) {
      const waiting = scorers.filter((p) => !p.submitted.includes(item.id)).map((p) => p.name);
      missing.textContent = waiting.length
        ? `Not submitted yet (${state.itemName(item.id)}): ${waiting.join(", ")}`
        : `Everyone has submitted ${state.itemName(item.id)}.`;
      missing.dataset.kind = waiting.length ? "waiting" : "done";
    } else {
      missing.textContent = item ? `${state.itemName(item.id)} is revealed.` : "Choose an interaction to reveal it on its own.";
      missing.dataset.kind = "";
    }
    revealItem.hidden = !item || item.revealed;
    revealItem.textContent = item ? `Reveal ${state.itemName(item.id)}` : "Reveal this interaction";
    revealAll.hidden = unrevealed.length === 0;
    revealAll.textContent =
      unrevealed.length === snap.items.length ? "Reveal all interactions" : `Reveal the other ${unrevealed.length}`;
    if (unrevealed.length === 1 && item && !item.revealed) revealAll.hidden = true;
  }

  function renderTimebox() {
    const { snap } = state;
    const running = currentTimebox(snap);
    timeboxGroup.hidden = state.isClosed();
    timeboxStop.hidden = !running;
    // After a reload the criterion being timed is the one under discussion.
    if (!discussed && running) discussed = { item: running.item, criterion: running.criterion };
    const target = discussed && state.criterionById(discussed.criterion);
    timeboxStart.disabled = !target || !state.itemById(discussed.item)?.revealed;
    if (target) {
      const again = running && running.item === discussed.item && running.criterion === discussed.criterion;
      timeboxStart.replaceChildren(again ? "Restart " : "Start ", h("kbd", { text: "T" }));
      timeboxFor.textContent = `For ${target.name} (${state.itemName(discussed.item)}).`;
    } else {
      timeboxStart.replaceChildren("Start ", h("kbd", { text: "T" }));
      timeboxFor.textContent = "Choose a criterion (U, or a row of the ranking) to time its discussion.";
    }
  }

  return { render };
}
