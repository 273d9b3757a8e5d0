// The live session room: blind scoring, presence, the facilitator's controls and the reveal.
// Everything is drawn from the snapshot the server sends this viewer (first embedded in the
// page, then over the websocket after every change). The viewer's own unsent changes come from
// the LiveSession outbox and win over the snapshot until the server acknowledges them.
//
// This file only wires the parts together: room/state.js holds what they all read, and each
// region of the page has its module (tabs, header, work column, facilitator, people, actions).

import { bindConnectionPill, fillBanner } from "./live/connection.js";
import { readJsonScript, toast } from "./live/dom.js";
import { LiveSession } from "./live/session.js";
import { createActions } from "./room/actions.js";
import { createFacilitator } from "./room/facilitator.js";
import { settleFlashes } from "./room/flashes.js";
import { createHeader } from "./room/header.js";
import { createPeople } from "./room/people.js";
import { RoomState } from "./room/state.js";
import { createTabs } from "./room/tabs.js";
import { createWork } from "./room/work.js";

const root = document.getElementById("live-room");
if (root) startRoom(root);

function startRoom(rootElement) {
  const $ = (selector) => rootElement.querySelector(selector);
  const els = {
    status: $("[data-status]"),
    timer: $("[data-timer]"),
    progress: $('[data-testid="progress"]'),
    progressLabel: $("[data-progress-label]"),
    pill: $('[data-testid="conn-state"]'),
    banner: $("[data-banner]"),
    tablist: $("[data-tabs]"),
    tabs: [...rootElement.querySelectorAll('[data-testid="item-tab"]')],
    allTab: $('[data-testid="all-tab"]'),
    panel: $("[data-panel]"),
    split: $("[data-split]"),
    interactions: $("[data-interactions]"),
    articles: [...rootElement.querySelectorAll("[data-interaction-for]")],
    work: $("[data-work]"),
    all: $("[data-all]"),
    facilitator: $("[data-facilitator]"),
    people: $("[data-people]"),
    actionsCard: $("[data-actions-card]"),
    actions: $("[data-actions]"),
    actionForm: $("[data-action-form]"),
    actionText: $('[data-testid="action-text"]'),
    actionOwner: $('[data-testid="action-owner"]'),
  };

  const snap = readJsonScript("initial-snapshot");
  const live = LiveSession.forPage(rootElement);
  live.setServerTime(snap.session.server_time);
  const state = new RoomState({ snap, live, tabs: els.tabs });

  const header = createHeader(state, els);
  const facilitator = createFacilitator(state, els.facilitator, {
    after: renderRail,
    open: (itemId) => tabs.select(itemId),
  });
  const people = createPeople(state, els.people);
  const actions = createActions(state, els, { after: renderRail });
  const tabs = createTabs(state, els, {
    onSelect: () => {
      header.render();
      work.render();
      renderRail();
    },
  });
  const work = createWork(state, els, { open: (itemId) => tabs.select(itemId, { focus: true }) });

  function renderRail() {
    facilitator.render();
    people.render();
    actions.render();
  }

  let fatal = "";
  function renderBanner() {
    fillBanner(els.banner, { fatal, closed: state.isClosed(), rootElement });
  }

  function renderAll() {
    tabs.render();
    header.render();
    work.render();
    renderRail();
    renderBanner();
  }

  live.addEventListener("snapshot", (event) => {
    state.snap = event.detail.snapshot;
    for (const item of state.snap.items) if (item.revealed) live.dropHeld(item.id);
    renderAll();
  });
  live.addEventListener("outbox", () => work.refreshScorecard());
  live.addEventListener("state", () => work.refreshScorecard());
  live.addEventListener("scoreerror", (event) => {
    const criterion = state.criterionById(event.detail.criterion);
    toast(`Not saved${criterion ? ` (${criterion.name})` : ""}: ${event.detail.message}`, { kind: "error", timeout: 9000 });
  });
  live.addEventListener("nudge", (event) => {
    toast(event.detail.message || "The facilitator is waiting for your scores.", { kind: "nudge", timeout: 12000 });
  });
  live.addEventListener("servererror", (event) => toast(event.detail.message, { kind: "error" }));
  bindConnectionPill(live, els.pill, {
    onFatal: (message) => {
      fatal = message;
      renderBanner();
    },
  });

  settleFlashes();
  const initial = tabs.initial();
  tabs.render();
  tabs.select(initial, { updateHash: false });
  renderBanner();
  live.connect();
}
