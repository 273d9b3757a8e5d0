// Present mode: the facilitator shares this screen while the group talks it through.
// One criterion at a time, in disagreement order, for one interaction or the whole session;
// ←/→ move between criteria. The consensus is edited here by the facilitator and saved over the
// same live connection as the room, so everyone sees it at once.

import {
  ConsensusBlock,
  LiveSession,
  alphaDefined,
  bindConnectionPill,
  criterionAlphaTitle,
  distributionChart,
  excludedText,
  fill,
  formatAlpha,
  formatInterval,
  h,
  ratingLabel,
  readJsonScript,
  reviewerList,
  rowLevel,
  rowLevelPill,
  toast,
} from "./live.js";

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
  };
  let snap = readJsonScript("initial-snapshot");
  const live = LiveSession.forPage(rootElement);
  const numbers = new Map(
    [...els.scope.options].filter((o) => o.value !== "all").map((o) => [Number(o.value), o.dataset.number]),
  );
  const itemName = (id) => `Interaction ${numbers.get(Number(id)) ?? "?"}`;
  const itemById = (id) => snap.items.find((item) => item.id === Number(id));
  const criterionById = (id) => snap.criteria.find((c) => c.id === Number(id));
  const blocks = new Map(); // "item:criterion" -> ConsensusBlock (keeps what is being typed)

  let scope = null; // item id or "all"
  let index = 0;
  let shownKey = null; // which slide the stage holds
  let slots = null;
  let fatal = "";

  // --- what to show -----------------------------------------------------------------------

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

  function render() {
    const list = rows();
    if (index >= list.length) index = Math.max(0, list.length - 1);
    const row = list[index];
    els.prev.disabled = !row || index === 0;
    els.next.disabled = !row || index >= list.length - 1;
    els.position.textContent = row ? `Criterion ${index + 1} of ${list.length}` : "";
    history.replaceState(null, "", `#${scope === "all" ? "all" : `item-${scope}`}:${index + 1}`);
    renderBanner();
    if (!row) {
      renderWaiting();
      return;
    }
    const criterion = criterionById(row.criterion);
    const key = `${scope}:${criterion.id}`;
    if (key !== shownKey) {
      shownKey = key;
      slots = buildSlide();
    }
    if (scope === "all") fillSession(row, criterion);
    else fillItem(row, criterion);
  }

  function renderWaiting() {
    shownKey = null;
    const item = scope === "all" ? null : itemById(scope);
    const anyRevealed = snap.items.some((i) => i.revealed);
    fill(
      els.stage,
      h(
        "div",
        { class: "present-card present-waiting" },
        h("p", { class: "present-kicker", text: scope === "all" ? "All interactions" : itemName(scope) }),
        h("h2", { class: "present-criterion", text: scope === "all" ? "Nothing revealed yet" : "Not revealed yet" }),
        item
          ? h("p", { class: "present-big-number" }, h("strong", { text: String(item.submitted) }), ` of ${item.total} submitted`)
          : null,
        h(
          "p",
          { class: "muted" },
          anyRevealed && scope !== "all"
            ? "Choose a revealed interaction above, or reveal this one from the room."
            : "Ratings appear here as soon as the facilitator reveals them.",
        ),
      ),
    );
  }

  function buildSlide() {
    const slide = {
      kicker: h("p", { class: "present-kicker" }),
      title: h("h2", { class: "present-criterion" }),
      flags: h("div", { class: "rank-flags present-flags" }),
      desc: h("p", { class: "present-desc" }),
      alpha: h("div", { class: "present-alpha", "data-testid": "criterion-alpha", hidden: true }),
      left: h("div", { class: "present-dist" }),
      right: h("div", { class: "present-people" }),
      consensus: h("div", { class: "present-consensus" }),
    };
    slide.card = h(
      "article",
      { class: "present-card", "data-testid": "present-slide" },
      h("div", { class: "present-head" }, h("div", { class: "present-head-main" }, slide.kicker, slide.title, slide.flags, slide.desc), slide.alpha),
      h("div", { class: "present-grid" }, slide.left, slide.right),
      slide.consensus,
    );
    fill(els.stage, slide.card);
    return slide;
  }

  function flags(row, criterion, flipText) {
    return [
      row.critical_flip ? h("span", { class: "flip-badge", "data-testid": "critical-flip", text: flipText }) : null,
      !row.critical_flip && criterion.critical ? h("span", { class: "badge badge-danger", text: "Critical" }) : null,
      rowLevelPill(row),
    ];
  }

  /**
   * The criterion's alpha across the revealed interactions, large enough for a shared screen;
   * under it, smaller, the alpha of the interaction being discussed (all its criteria).
   */
  function fillAlpha(criterion) {
    const block = snap.agreement?.criteria?.[String(criterion.id)];
    const itemLine = scope === "all" ? null : interactionAlphaLine();
    const box = slots.alpha;
    box.hidden = !block && !itemLine;
    if (box.hidden) return;
    const verdict = block ? block.verdict || "undefined" : "undefined";
    const revealed = snap.items.filter((item) => item.revealed).length;
    box.className = `present-alpha alpha-${verdict}`;
    box.dataset.verdict = verdict;
    box.title = block ? criterionAlphaTitle(block, revealed) : "";
    const heading = `Agreement on this criterion across ${revealed} revealed ${revealed === 1 ? "interaction" : "interactions"}`;
    let main = [];
    if (block && !alphaDefined(block)) {
      main = [
        h("span", { class: "present-alpha-scope", text: heading }),
        h("span", { class: "present-alpha-reason", text: block.reading }),
      ];
    } else if (block) {
      const ci = formatInterval(block.ci);
      main = [
        h("span", { class: "present-alpha-scope", text: heading }),
        h("span", { class: "present-alpha-value", text: `α = ${formatAlpha(block.alpha, block.verdict)}` }),
        ci ? h("span", { class: "present-alpha-ci", text: `95% CI ${ci}` }) : null,
        h("span", { class: "present-alpha-reading", text: block.reading }),
      ];
    }
    fill(box, ...main, itemLine);
  }

  /** "Interaction 2, all criteria: α = 0.41 (95% CI …) · Tentative", or why there is none. */
  function interactionAlphaLine() {
    const revealed = snap.revealed[String(scope)];
    if (!revealed) return null;
    const rated = Object.values(revealed.ratings || {}).some((entries) => entries.length);
    const block = snap.agreement?.interactions?.[String(scope)];
    const label = `${itemName(scope)}, all criteria`;
    let text;
    let verdict = "undefined";
    if (!rated) {
      text = "No ratings to compare";
    } else if (!block) {
      return null;
    } else if (!alphaDefined(block)) {
      text = block.reading || block.reason || "Alpha is undefined.";
    } else {
      const ci = formatInterval(block.ci);
      verdict = block.verdict || "undefined";
      text = `α = ${formatAlpha(block.alpha, block.verdict)}${ci ? ` (95% CI ${ci})` : ""} · ${block.reading}`;
    }
    return h(
      "span",
      {
        class: `present-alpha-item alpha-${verdict}`,
        "data-testid": "interaction-alpha",
        dataset: { verdict },
        title: block
          ? `Krippendorff's alpha for ${itemName(scope)}: its criteria are the units, the reviewers the raters (${block.level} level).`
          : null,
      },
      h("span", { class: "present-alpha-item-label", text: `${label}: ` }),
      text,
    );
  }

  function fillItem(row, criterion) {
    const revealed = snap.revealed[String(scope)];
    const entries = revealed.ratings[String(criterion.id)] || [];
    slots.card.dataset.level = rowLevel(row);
    slots.card.dataset.criterionId = criterion.id;
    slots.card.classList.toggle("has-flip", row.critical_flip);
    slots.kicker.textContent = `${itemName(scope)} · ranked by disagreement`;
    slots.title.textContent = criterion.name;
    fill(
      slots.flags,
      ...flags(row, criterion, "⚠ Pass/fail split on a critical criterion"),
      h("span", { class: "muted", text: row.n ? `${row.n} ${row.n === 1 ? "rating" : "ratings"} · ${criterion.scale}` : criterion.scale }),
    );
    slots.desc.textContent = criterion.description || "";
    slots.desc.hidden = !criterion.description;
    fillAlpha(criterion);
    fill(slots.left, h("h3", { class: "present-sub", text: "Answers" }), distributionChart(criterion, row.distribution || {}, { large: true }));
    const item = itemById(scope);
    fill(
      slots.right,
      h("h3", { class: "present-sub", text: "Ratings and comments" }),
      reviewerList(criterion, entries),
      excludedText(item?.excluded) ? h("p", { class: "excluded", text: `Excluded (not submitted): ${excludedText(item.excluded)}` }) : null,
    );
    const key = `${scope}:${criterion.id}`;
    let block = blocks.get(key);
    if (!block) {
      block = new ConsensusBlock({ live, itemId: scope, criterion, large: true });
      blocks.set(key, block);
    }
    block.update(revealed.consensus[String(criterion.id)], {
      editable: snap.me.is_facilitator && snap.session.status !== "closed",
    });
    if (slots.consensus.firstChild !== block.el) {
      slots.consensus.replaceChildren(h("h3", { class: "present-sub", text: "Consensus" }), block.el);
    }
  }

  function fillSession(row, criterion) {
    slots.card.dataset.level = rowLevel(row);
    slots.card.dataset.criterionId = criterion.id;
    slots.card.classList.toggle("has-flip", row.critical_flip);
    const revealedItems = snap.items.filter((item) => item.revealed);
    slots.kicker.textContent = `All interactions · mean disagreement over ${revealedItems.length} revealed`;
    slots.title.textContent = criterion.name;
    fill(
      slots.flags,
      ...flags(row, criterion, `⚠ Pass/fail split on a critical criterion (${row.critical_flips} of ${revealedItems.length})`),
      h("span", { class: "muted", text: criterion.scale }),
    );
    slots.desc.textContent = criterion.description || "";
    slots.desc.hidden = !criterion.description;
    fillAlpha(criterion);
    const perItem = h("ul", { class: "present-items" });
    for (const item of revealedItems) {
      const revealed = snap.revealed[String(item.id)];
      const itemRow = revealed?.ranking.find((r) => r.criterion === criterion.id);
      if (!itemRow) continue;
      const agreed = revealed.consensus[String(criterion.id)];
      const decided = agreed && (agreed.na || agreed.value !== null);
      const open = h("button", { type: "button", class: "per-item-link", text: itemName(item.id) });
      open.addEventListener("click", () => {
        const position = revealed.ranking.findIndex((r) => r.criterion === criterion.id);
        setScope(item.id);
        index = Math.max(0, position);
        render();
      });
      perItem.append(
        h(
          "li",
          { dataset: { level: rowLevel(itemRow) } },
          h("div", { class: "present-item-head" }, open, rowLevelPill(itemRow)),
          distributionChart(criterion, itemRow.distribution || {}),
          h("p", { class: "present-item-consensus", text: decided ? `Agreed: ${ratingLabel(criterion, agreed.value, agreed.na)}` : "No consensus yet" }),
        ),
      );
    }
    fill(slots.left, h("h3", { class: "present-sub", text: "Per interaction" }), perItem);
    slots.left.classList.add("present-span");
    fill(slots.right);
    slots.consensus.replaceChildren();
  }

  function renderBanner() {
    const banner = els.banner;
    banner.replaceChildren();
    banner.className = "live-banner";
    if (fatal) {
      banner.classList.add("live-banner-danger");
      banner.append(h("strong", { text: fatal }));
      if (fatal.includes("logged out")) banner.append(" ", h("a", { href: rootElement.dataset.loginUrl, text: "Log in" }));
      banner.hidden = false;
    } else if (snap.session.status === "closed") {
      banner.classList.add("live-banner-info");
      banner.dataset.testid = "closed-notice";
      banner.append(h("strong", { text: "This session is closed." }), " ", h("a", { href: rootElement.dataset.summaryUrl, text: "Read the summary →" }));
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  // --- input --------------------------------------------------------------------------------

  els.prev.addEventListener("click", () => go(-1));
  els.next.addEventListener("click", () => go(1));
  els.scope.addEventListener("change", () => setScope(els.scope.value));
  els.fullscreen.addEventListener("click", toggleFullscreen);

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }

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

  // Start on the interaction (and criterion) in the address, else the first revealed one.
  const match = /^#(all|item-(\d+)):?(\d+)?$/.exec(window.location.hash);
  let initial = snap.items.find((item) => item.revealed)?.id ?? snap.items[0]?.id ?? "all";
  if (match && (match[1] === "all" || itemById(match[2]))) initial = match[1] === "all" ? "all" : Number(match[2]);
  setScope(initial);
  if (match?.[3]) {
    index = Number(match[3]) - 1;
    render();
  }
  live.connect();
}
