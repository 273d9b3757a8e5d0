// Action items in the room's rail: everyone sees them; the facilitator adds them (with an
// optional owner from the session's people) and removes them until the session is closed.

import { h, toast } from "../live/dom.js";
import { act } from "./facilitator.js";

/**
 * @param {RoomState} state
 * @param {object} els  actionsCard, actions (the list), actionForm, actionText, actionOwner
 * @param {object} options
 * @param {() => void} options.after  redraws the rail after a removal
 */
export function createActions(state, els, { after }) {
  const { live } = state;

  function render() {
    const { snap } = state;
    const facilitator = snap.me.is_facilitator;
    const closed = state.isClosed();
    const list = snap.action_items;
    els.actionsCard.hidden = !facilitator && !list.length;
    els.actionForm.hidden = !facilitator || closed;
    if (facilitator) renderOwnerChoices();
    if (!state.changed("actions", { list, facilitator, closed })) return;
    if (!list.length) {
      els.actions.replaceChildren(h("li", { class: "muted actions-empty", text: "No action items yet." }));
      return;
    }
    els.actions.replaceChildren(
      ...list.map((action) => {
        let remove = null;
        if (facilitator && !closed) {
          remove = h("button", { type: "button", class: "btn btn-ghost btn-small icon-btn", "data-testid": "action-remove", "aria-label": `Remove action item: ${action.text}` }, "×");
          remove.addEventListener("click", () => act(live, remove, "action.remove", { id: action.id }, after));
        }
        return h(
          "li",
          { class: "action", "data-testid": "action-item", dataset: { actionId: action.id } },
          h(
            "span",
            { class: "action-body" },
            h("span", { class: "action-text", text: action.text }),
            action.owner ? h("span", { class: "muted action-who", "data-testid": "action-owner-name", text: ` — owner: ${action.owner}` }) : null,
          ),
          remove,
        );
      }),
    );
  }

  /** The owner choices: the session's people by full name (the server takes a user id). */
  function renderOwnerChoices() {
    const people = [...state.snap.participants]
      .filter((p) => p.user_id !== undefined && p.user_id !== null)
      .sort((a, b) => (a.full_name || a.name).localeCompare(b.full_name || b.name));
    if (!state.changed("owners", people.map((p) => [p.user_id, p.full_name]))) return;
    const select = els.actionOwner;
    const chosen = select.value;
    select.replaceChildren(
      h("option", { value: "", text: "No owner" }),
      ...people.map((p) => h("option", { value: String(p.user_id), text: p.full_name || p.name })),
    );
    select.value = people.some((p) => String(p.user_id) === chosen) ? chosen : "";
  }

  els.actionForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = els.actionText.value.trim();
    if (!text) {
      els.actionText.focus();
      return;
    }
    const button = els.actionForm.querySelector("button");
    button.disabled = true;
    try {
      const owner = els.actionOwner.value;
      await live.request("action.add", owner ? { text, owner: Number(owner) } : { text });
      els.actionText.value = "";
      els.actionOwner.value = "";
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      button.disabled = false;
      els.actionText.focus();
    }
  });

  return { render };
}
