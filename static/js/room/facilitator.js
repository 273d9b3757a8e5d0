// The facilitator's card in the room's rail: open scoring, reveal one interaction or the rest
// (with the policy for reviewers who have not submitted), close the session. Every action is a
// request over the live connection; a refusal is shown as a toast.

import { h, toast } from "../live/dom.js";

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
 */
export function createFacilitator(state, card, { after }) {
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
  card.replaceChildren(h("h2", { class: "rail-heading", text: "Facilitator" }), hint, start, revealGroup, closeGroup);

  start.addEventListener("click", () => act(live, start, "start", {}, after));
  revealItem.addEventListener("click", () => {
    if (state.active !== "all") act(live, revealItem, "reveal", { item: state.active, policy }, after);
  });
  revealAll.addEventListener("click", () => act(live, revealAll, "reveal", { policy }, after));
  close.addEventListener("click", () => {
    if (window.confirm("Close the session? It becomes read-only: no more consensus or action items.")) {
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

  return { render };
}
