// Present mode: the facilitator shares this screen while the group talks it through.
// One criterion at a time, in disagreement order, for one interaction or the whole session;
// ←/→ move between criteria, C shows the conversation beside the criterion. The consensus is edited here by the facilitator and saved over the
// same live connection as the room, so everyone sees it at once. The slides themselves are
// drawn by present/slides.js from the same revealed-view pieces as the room.

import { bindConnectionPill, fillBanner } from "./live/connection.js";
import { readJsonScript, toast } from "./live/dom.js";
import { itemById, nextUndecided } from "./live/revealed.js";
import { LiveSession } from "./live/session.js";
import { createConversation } from "./present/conversation.js";
import { createStage } from "./present/slides.js";
import { createTimeboxDisplay, currentTimebox, DEFAULT_MINUTES, MAX_MINUTES } from "./room/timebox.js";
import { settleFlashes } from "./room/flashes.js";

const root = document.getElementById("live-present");
if (root) present(root);

function present(rootElement) {
  const $ = (selector) => rootElement.querySelector(selector);
  const els = {
    scope: $("[data-testid='present-scope']"),
    stage: $("[data-stage]"),
    prev: $("[data-prev]"),
    next: $("[data-next]"),
    position: $("[data-position]"),
    pill: $("[data-testid='conn-state']"),
    banner: $("[data-banner]"),
    fullscreen: $("[data-fullscreen]"),
    layout: $("[data-layout]"),
    conversation: $("[data-conversation]"),
    conversationToggle: $("[data-conversation-toggle]"),
    acceptKey: $("[data-accept-key]"),
    timeboxControl: $("[data-timebox-control]"),
    timeboxMinutes: $("#present-timebox-minutes"),
    timeboxToggle: $("[data-timebox-toggle]"),
    timeboxKey: $("[data-timebox-key]"),
    timeboxElsewhere: $("[data-timebox-elsewhere]"),
  };
  let snap = readJsonScript("initial-snapshot");
  const live = LiveSession.forPage(rootElement);
  const numbers = new Map(
    [...els.scope.options].filter((o) => o.value !== "all").map((o) => [Number(o.value), o.dataset.number]),
  );
  const itemName = (id) => `Interaction ${numbers.get(Number(id)) ?? "?"}`;
  const stage = createStage({ live, stage: els.stage, snap: () => snap, itemName, open: openAt });
  // A time box running on another criterion than the one on the stage: small, in the bar.
  const elsewhere = createTimeboxDisplay({
    snap: () => snap,
    now: () => live.serverNow(),
    label: (box) => `${snap.criteria.find((c) => c.id === box.criterion)?.name ?? "Criterion"} · ${itemName(box.item)}`,
    shows: (box) => !timesShown(box),
  });
  els.timeboxElsewhere.append(elsewhere.el);
  els.timeboxMinutes.value = String(DEFAULT_MINUTES);
  const conversation = createConversation({ panel: els.conversation, layout: els.layout, toggle: els.conversationToggle });

  let scope = null; // item id or "all"
  let index = 0;
  let fatal = "";

  function rows() {
    if (scope === "all") return snap.session_ranking;
    return snap.revealed[String(scope)]?.ranking || [];
  }

  function go(delta) {
    const count = rows().length;
    if (!count) return;
    index = Math.min(count - 1, Math.max(0, index + delta));
    render();
  }

  function setScope(value, { keepIndex = false } = {}) {
    scope = value === "all" ? "all" : Number(value);
    els.scope.value = String(scope);
    if (!keepIndex) index = 0;
    render();
  }

  /** From the session view: one interaction, at the same criterion. */
  function openAt(itemId, criterionId) {
    setScope(itemId);
    index = Math.max(0, rows().findIndex((r) => r.criterion === criterionId));
    render();
  }

  function render() {
    const list = rows();
    if (index >= list.length) index = Math.max(0, list.length - 1);
    const row = list[index];
    els.prev.disabled = !row || index === 0;
    els.next.disabled = !row || index >= list.length - 1;
    els.position.textContent = row ? `Criterion ${index + 1} of ${list.length}` : "";
    history.replaceState(null, "", `#${scope === "all" ? "all" : `item-${scope}`}:${index + 1}`);
    renderBanner();
    stage.show(scope, row);
    conversation.show(scope);
    els.acceptKey.hidden = !stage.canAccept();
    renderTimeboxControl();
    elsewhere.render();
  }

  /** Whether the time box `box` is the one of the criterion on the stage. */
  function timesShown(box) {
    const here = stage.shown();
    return Boolean(here) && here.scope === box.item && here.criterion === box.criterion;
  }

  function canTimebox() {
    return snap.me.is_facilitator && snap.session.status !== "closed" && scope !== "all" && Boolean(stage.shown());
  }

  function renderTimeboxControl() {
    const allowed = canTimebox();
    els.timeboxControl.hidden = !allowed;
    els.timeboxKey.hidden = !allowed;
    const running = currentTimebox(snap);
    const here = running && timesShown(running);
    els.timeboxToggle.replaceChildren(here ? "Stop time box " : "Time box ", Object.assign(document.createElement("kbd"), { textContent: "T" }));
    els.timeboxToggle.dataset.running = String(Boolean(here));
  }

  /** T: start the time box on the criterion on the stage, or stop the one running on it. */
  async function toggleTimebox() {
    if (!canTimebox()) return;
    const running = currentTimebox(snap);
    const here = stage.shown();
    const minutes = Number(els.timeboxMinutes.value);
    els.timeboxToggle.disabled = true;
    try {
      if (running && timesShown(running)) {
        await live.request("timebox.stop", {});
      } else if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) {
        toast(`A time box lasts 1 to ${MAX_MINUTES} minutes.`, { kind: "error" });
      } else {
        await live.request("timebox.start", { item: here.scope, criterion: here.criterion, minutes });
      }
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      els.timeboxToggle.disabled = false;
    }
  }

  function renderBanner() {
    fillBanner(els.banner, { fatal, closed: snap.session.status === "closed", rootElement });
  }

  // --- input --------------------------------------------------------------------------------

  els.prev.addEventListener("click", () => go(-1));
  els.next.addEventListener("click", () => go(1));
  els.scope.addEventListener("change", () => setScope(els.scope.value));
  els.fullscreen.addEventListener("click", toggleFullscreen);
  els.timeboxToggle.addEventListener("click", toggleTimebox);

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }

  let lastUndecided = null; // where U went last: {item, criterion, index}
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const tag = event.target.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "ArrowRight" || event.key === "PageDown") {
      event.preventDefault();
      go(1);
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      event.preventDefault();
      go(-1);
    } else if (event.key === "Home") {
      event.preventDefault();
      go(-Infinity);
    } else if (event.key === "End") {
      event.preventDefault();
      go(Infinity);
    } else if (event.key === "f" || event.key === "F") {
      toggleFullscreen();
    } else if ((event.key === "t" || event.key === "T") && canTimebox()) {
      event.preventDefault();
      toggleTimebox();
    } else if (event.key === "c" || event.key === "C") {
      event.preventDefault();
      conversation.toggle();
    } else if (event.key === "Escape" && conversation.isOpen()) {
      conversation.toggle(false);
    } else if ((event.key === "a" || event.key === "A") && stage.canAccept()) {
      // The facilitator accepts everyone's answer, as with A on a row in the room.
      event.preventDefault();
      stage.accept();
    } else if (event.key === "u" || event.key === "U") {
      // The next undecided criterion, most disagreement first (the server's queue).
      const here = rows()[index];
      const queue = snap.consensus_progress?.queue || [];
      const at = queue.findIndex((e) => e.item === scope && e.criterion === here?.criterion);
      const target = nextUndecided(queue, at >= 0 ? { ...queue[at], index: at } : lastUndecided);
      if (target) {
        event.preventDefault();
        lastUndecided = target;
        openAt(target.item, target.criterion);
      }
    }
  });

  // --- live updates -------------------------------------------------------------------------

  live.addEventListener("snapshot", (event) => {
    const before = rows()[index]?.criterion;
    snap = event.detail.snapshot;
    // Stay on the same criterion if the ranking moved under us.
    const position = rows().findIndex((row) => row.criterion === before);
    if (position >= 0) index = position;
    render();
  });
  live.addEventListener("servererror", (event) => toast(event.detail.message, { kind: "error" }));
  bindConnectionPill(live, els.pill, {
    onFatal: (message) => {
      fatal = message;
      renderBanner();
    },
  });

  settleFlashes();
  // Start on the interaction (and criterion) in the address, else the first revealed one.
  const match = /^#(all|item-(\d+)):?(\d+)?$/.exec(window.location.hash);
  let initial = snap.items.find((item) => item.revealed)?.id ?? snap.items[0]?.id ?? "all";
  if (match && (match[1] === "all" || itemById(snap, match[2]))) initial = match[1] === "all" ? "all" : Number(match[2]);
  setScope(initial);
  if (match?.[3]) {
    index = Number(match[3]) - 1;
    render();
  }
  live.connect();
}
