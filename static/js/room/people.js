// The people in the room's rail: who is online, who submitted which interaction (as the viewer
// may see it), and for the facilitator a "Nudge" for a reviewer still to submit (once per
// 30 s each). Redrawn only when what it shows changes; a focused Nudge keeps the focus.

import { h, toast } from "../live/dom.js";

const NUDGE_COOLDOWN_MS = 30000;

/**
 * @param {RoomState} state
 * @param {HTMLElement} list  the people list (ul)
 */
export function createPeople(state, list) {
  const { live } = state;
  const nudgedAt = new Map(); // participant id -> ms

  function canNudge(p) {
    const { snap } = state;
    const me = snap.me;
    if (!me.is_facilitator || snap.session.status !== "scoring" || !p.scores || p.id === me.participant) return false;
    if (state.active === "all") return snap.items.some((item) => !item.revealed && !p.submitted.includes(item.id));
    return !state.itemById(state.active)?.revealed && !p.submitted.includes(state.active);
  }

  function render() {
    const { snap } = state;
    const now = Date.now();
    const data = {
      p: snap.participants,
      items: snap.items.map((i) => i.id),
      status: snap.session.status,
      active: state.active,
      nudged: [...nudgedAt].filter(([, at]) => now - at < NUDGE_COOLDOWN_MS).map(([id]) => id),
    };
    if (!state.changed("people", data)) return;
    const focusedNudge = document.activeElement?.closest?.('[data-testid="nudge"]')?.dataset.participantId;
    const rows = snap.participants.map((p) => {
      const marks = p.scores
        ? h(
            "span",
            { class: "sub-marks", "aria-label": `Submitted ${p.submitted.length} of ${snap.items.length}` },
            snap.items.map((item) =>
              h("span", {
                class: `sub-mark${p.submitted.includes(item.id) ? " is-done" : ""}${item.id === state.active ? " is-active" : ""}`,
                title: `${state.itemName(item.id)}: ${p.submitted.includes(item.id) ? "submitted" : "not submitted"}`,
                text: state.itemLabels.get(item.id)?.number ?? "",
              }),
            ),
          )
        : h("span", { class: "muted role-note", text: p.role === "facilitator" ? "Facilitator" : "Observer" });
      let nudge = null;
      if (canNudge(p)) {
        const recent = nudgedAt.has(p.id) && now - nudgedAt.get(p.id) < NUDGE_COOLDOWN_MS;
        nudge = h(
          "button",
          {
            type: "button",
            class: "btn btn-small btn-ghost nudge",
            "data-testid": "nudge",
            dataset: { participantId: p.id },
            disabled: recent,
            "aria-label": `Nudge ${p.name}`,
          },
          recent ? "Nudged" : "Nudge",
        );
        nudge.addEventListener("click", () => sendNudge(p, nudge));
      }
      return h(
        "li",
        { class: `person${p.online ? " is-online" : ""}`, "data-testid": "presence", dataset: { participantId: p.id, online: String(p.online) } },
        h("span", { class: `dot${p.online ? " is-online" : ""}`, title: p.online ? "Online" : "Not connected" }),
        h("span", { class: "visually-hidden", text: p.online ? "online: " : "offline: " }),
        h("span", { class: "person-name", text: p.name }),
        marks,
        nudge,
      );
    });
    list.replaceChildren(...rows);
    if (focusedNudge) list.querySelector(`[data-testid="nudge"][data-participant-id="${focusedNudge}"]`)?.focus();
  }

  async function sendNudge(participant, button) {
    button.disabled = true;
    try {
      await live.request("nudge", { participant: participant.id });
      nudgedAt.set(participant.id, Date.now());
      toast(`Nudge sent to ${participant.name}.`);
      setTimeout(render, NUDGE_COOLDOWN_MS + 100);
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
    render();
  }

  return { render };
}
