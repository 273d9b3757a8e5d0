// Present mode of a criterion review, for the shared screen: the criterion under discussion
// (the one the facilitator focused), the evidence beside it, and once revealed the tallies,
// comments and decision. Follows the facilitator live; ← → browse without moving anyone.

import { bindConnectionPill, fillBanner } from "./live/connection.js";
import { fill, h, readJsonScript } from "./live/dom.js";
import { LiveSession } from "./live/session.js";
import { answersList, criterionText, decisionLine, evidencePanel, itemTitle, talliesBlock } from "./review/render.js";

const root = document.getElementById("review-present");
if (root) start(root);

function start(rootElement) {
  const stage = rootElement.querySelector("[data-stage]");
  const position = rootElement.querySelector("[data-position]");
  const banner = rootElement.querySelector("[data-banner]");
  let snap = readJsonScript("initial-snapshot");
  let shown = snap.focus;
  let lastFocus = snap.focus;
  let fatal = "";
  const sessionId = Number(rootElement.dataset.sessionId);
  const live = new LiveSession({
    sessionId,
    userKey: rootElement.dataset.userKey,
    url: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws/reviews/${sessionId}/`,
    probeUrl: window.location.pathname,
    loginPath: rootElement.dataset.loginPath,
  });

  const current = () => snap.items.find((entry) => entry.id === shown) || snap.items[0];

  function render() {
    const item = current();
    fillBanner(banner, { fatal, closed: snap.session.status === "closed", rootElement });
    if (!item) {
      fill(stage, h("p", { class: "muted", text: "Nothing to review." }));
      return;
    }
    position.textContent = `${item.number} of ${snap.items.length}`;
    fill(
      stage,
      h("h2", { class: "present-criterion", dataset: { testid: "present-title" }, text: itemTitle(item) }),
      h(
        "div",
        { class: "review-columns" },
        h(
          "div",
          {},
          criterionText(item),
          item.revealed
            ? [talliesBlock(snap, item), answersList(item), decisionLine(item)]
            : h("p", { class: "present-waiting", dataset: { testid: "present-progress" }, text: `${item.answered} of ${item.total} answered · answers stay hidden until the reveal` }),
        ),
        evidencePanel(item),
      ),
    );
  }

  function step(offset) {
    const index = snap.items.findIndex((entry) => entry.id === current().id);
    const next = snap.items[index + offset];
    if (next) {
      shown = next.id;
      render();
    }
  }

  rootElement.querySelector("[data-prev]").addEventListener("click", () => step(-1));
  rootElement.querySelector("[data-next]").addEventListener("click", () => step(1));
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "ArrowRight") step(1);
    else if (event.key === "ArrowLeft") step(-1);
    else if (event.key === "f" || event.key === "F") document.documentElement.requestFullscreen?.();
  });
  rootElement.querySelector("[data-fullscreen]").addEventListener("click", () => document.documentElement.requestFullscreen?.());
  live.addEventListener("snapshot", (event) => {
    snap = event.detail.snapshot;
    if (snap.focus !== lastFocus) {
      lastFocus = snap.focus;
      shown = snap.focus;
    }
    render();
  });
  bindConnectionPill(live, rootElement.querySelector('[data-testid="conn-state"]'), {
    onFatal: (message) => {
      fatal = message;
      render();
    },
  });
  render();
  live.connect();
}
