// The time box of the criterion under discussion: the facilitator gives it a few minutes and
// everyone (room and present mode) sees a calm countdown, then how far over it is. The server
// stores the start, so a reload or a reconnect shows the same time left.

import { h } from "../live/dom.js";

export const DEFAULT_MINUTES = 3;
export const MAX_MINUTES = 60;

/** Seconds left (0 once over) and seconds over, for a time box ending at `endsAt` (ms). */
export function timeboxClock(endsAt, now) {
  const diff = Math.round((endsAt - now) / 1000);
  return { left: Math.max(0, diff), over: Math.max(0, -diff) };
}

function minutesSeconds(total) {
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** "2:31 left", then "Time's up", then "1:05 over". */
export function timeboxText({ left, over }) {
  if (left > 0) return `${minutesSeconds(left)} left`;
  if (over === 0) return "Time's up";
  return `${minutesSeconds(over)} over`;
}

/** The session's time box from a snapshot, or null (none, or the session is closed). */
export function currentTimebox(snap) {
  if (!snap?.timebox || snap.session?.status === "closed") return null;
  const endsAt = Date.parse(snap.timebox.ends_at);
  return Number.isNaN(endsAt) ? null : { ...snap.timebox, endsAtMs: endsAt };
}

/**
 * A countdown element kept up to date every second.
 * @param {object} options
 * @param {() => object} options.snap        the latest snapshot
 * @param {() => number} options.now         the server's clock (LiveSession.serverNow)
 * @param {(timebox) => string} options.label  what it is about ("Empathy · Interaction 1")
 * @param {(timebox) => boolean} [options.shows]  whether to show it (default: whenever one runs)
 */
export function createTimeboxDisplay({ snap, now, label, shows = () => true, large = false }) {
  const what = h("span", { class: "timebox-what" });
  const time = h("strong", { class: "timebox-time", "data-testid": "timebox-time" });
  // Words, not a clock emoji: the fonts of a shared screen may not have one.
  const el = h(
    "span",
    { class: `timebox${large ? " timebox-large" : ""}`, "data-testid": "timebox", role: "timer", hidden: true },
    h("span", { class: "timebox-label", text: "Time box" }),
    what,
    time,
  );
  function tick() {
    const timebox = currentTimebox(snap());
    if (!timebox || !shows(timebox)) {
      el.hidden = true;
      return;
    }
    const clock = timeboxClock(timebox.endsAtMs, now());
    el.hidden = false;
    el.dataset.kind = clock.left > 0 ? (clock.left <= 30 ? "soon" : "") : "over";
    what.textContent = label(timebox);
    what.hidden = !what.textContent;
    time.textContent = timeboxText(clock);
    el.setAttribute(
      "aria-label",
      clock.left > 0 ? `Time box: ${Math.ceil(clock.left / 60)} minutes left${label(timebox) ? ` on ${label(timebox)}` : ""}` : "Time box over",
    );
  }
  setInterval(tick, 1000);
  return { el, render: tick };
}
