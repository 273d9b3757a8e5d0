// Present mode's stage: one criterion at a time, large enough for a shared screen. For one
// interaction a slide shows the answers, every rating with its comment and the consensus (the
// facilitator edits it here); for the whole session, the criterion in each revealed interaction.
// A slide is built once per criterion shown and filled in place, so typing survives snapshots.

import { ConsensusBlock } from "../live/consensus.js";
import { fill, h, toast } from "../live/dom.js";
import { alphaText, alphaDefined, blockVerdict, criterionAlphaTitle, largeAlphaParts, rowLevel, rowLevelPill } from "../live/figures.js";
import { distributionChart, isDecided, ratingChip, reviewerList } from "../live/ratings.js";
import { flagBadge, sharedFlagInfo } from "../room/flags.js";
import { createTimeboxDisplay } from "../room/timebox.js";
import {
  criterionAlpha,
  excludedLine,
  interactionAlpha,
  itemById,
  perInteractionItems,
  progressText,
  rankFlags,
  raterCount,
  ratingsCount,
  revealedCountText,
  revealedItems,
  sessionFlipText,
} from "../live/revealed.js";

/**
 * @param {object} options
 * @param {LiveSession} options.live
 * @param {HTMLElement} options.stage
 * @param {() => object} options.snap          the latest snapshot
 * @param {(id) => string} options.itemName    "Interaction 2"
 * @param {(itemId, criterionId) => void} options.open  shows one interaction at one criterion
 */
export function createStage({ live, stage, snap, itemName, open }) {
  let shown = null; // {scope, criterion} on the stage
  // The time box, large on the slide of the criterion it times.
  const timebox = createTimeboxDisplay({
    snap,
    now: () => live.serverNow(),
    label: () => "",
    shows: (box) => shown !== null && shown.scope === box.item && shown.criterion === box.criterion,
    large: true,
  });
  const blocks = new Map(); // "item:criterion" -> ConsensusBlock (keeps what is being typed)
  let shownKey = null; // which slide the stage holds
  let slots = null;
  let acceptable = null; // {item, criterion} while the slide's unanimous answer can be accepted

  /** Draws `row` (a ranking row of `scope`: an item id or "all"), or the waiting card. */
  function show(scope, row) {
    if (!row) {
      renderWaiting(scope);
      return;
    }
    const criterion = snap().criteria.find((c) => c.id === Number(row.criterion));
    const key = `${scope}:${criterion.id}`;
    if (key !== shownKey) {
      shownKey = key;
      slots = buildSlide();
    }
    if (scope === "all") fillSession(row, criterion);
    else fillItem(scope, row, criterion);
  }

  function renderWaiting(scope) {
    shownKey = null;
    acceptable = null;
    shown = null;
    timebox.render();
    const item = scope === "all" ? null : itemById(snap(), scope);
    const anyRevealed = snap().items.some((i) => i.revealed);
    fill(
      stage,
      h(
        "div",
        { class: "present-card present-waiting" },
        h("p", { class: "present-kicker", text: scope === "all" ? "All interactions" : itemName(scope) }),
        h("h2", { class: "present-criterion", text: scope === "all" ? "Nothing revealed yet" : "Not revealed yet" }),
        item
          ? h("p", { class: "present-big-number" }, h("strong", { text: String(item.submitted) }), ` of ${item.total} submitted`)
          : null,
        item ? waitingFlags(item.id) : null,
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

  /** Before the reveal: the criteria reviewers already asked to discuss (counts only). */
  function waitingFlags(itemId) {
    const flagged = snap()
      .criteria.map((criterion) => ({ criterion, info: sharedFlagInfo(snap(), itemId, criterion.id) }))
      .filter(({ info }) => info.count > 0);
    if (!flagged.length) return null;
    return h(
      "div",
      { class: "present-waiting-flags", "data-testid": "waiting-flags" },
      h("p", { class: "present-sub", text: "Flagged to discuss" }),
      h(
        "ul",
        { class: "present-flag-list" },
        flagged.map(({ criterion, info }) => h("li", {}, criterion.name, " ", flagBadge(info))),
      ),
    );
  }

  function buildSlide() {
    const slide = {
      kicker: h("p", { class: "present-kicker" }),
      progress: h("p", { class: "present-progress", "data-testid": "consensus-progress", "aria-live": "polite" }),
      title: h("h2", { class: "present-criterion" }),
      flags: h("div", { class: "rank-flags present-flags" }),
      desc: h("p", { class: "present-desc" }),
      alpha: h("div", { class: "present-alpha", "data-testid": "criterion-alpha", hidden: true }),
      left: h("div", { class: "present-dist" }),
      right: h("div", { class: "present-people" }),
      consensus: h("div", { class: "present-consensus" }),
      unanimous: h("div", { class: "present-unanimous", "data-testid": "unanimous", hidden: true }),
      accept: h(
        "button",
        { type: "button", class: "btn btn-primary", "data-testid": "accept-unanimous", title: "Accept as consensus (key A)" },
        "Accept as consensus ",
        h("kbd", { text: "A" }),
      ),
    };
    slide.accept.addEventListener("click", accept);
    slide.card = h(
      "article",
      { class: "present-card", "data-testid": "present-slide" },
      h("div", { class: "present-head" }, h("div", { class: "present-head-main" }, slide.kicker, slide.progress, timebox.el, slide.title, slide.flags, slide.desc), slide.alpha),
      slide.unanimous,
      h("div", { class: "present-grid" }, slide.left, slide.right),
      slide.consensus,
    );
    fill(stage, slide.card);
    return slide;
  }

  function fillHead(row, criterion, kicker, flagNodes) {
    slots.card.dataset.level = rowLevel(row);
    slots.card.dataset.criterionId = criterion.id;
    slots.card.classList.toggle("has-flip", row.critical_flip);
    slots.kicker.textContent = kicker;
    slots.progress.textContent = progressText(snap());
    slots.progress.hidden = !slots.progress.textContent;
    slots.title.textContent = criterion.name;
    fill(slots.flags, ...flagNodes);
    slots.desc.textContent = criterion.description || "";
    slots.desc.hidden = !criterion.description;
    timebox.render();
  }

  /**
   * The criterion's alpha across the revealed interactions, large; under it, smaller, the
   * alpha of the interaction being discussed (all its criteria).
   */
  function fillAlpha(scope, criterion) {
    const block = criterionAlpha(snap(), criterion.id);
    const itemLine = scope === "all" ? null : interactionAlphaLine(scope);
    const box = slots.alpha;
    box.hidden = !block && !itemLine;
    if (box.hidden) return;
    const verdict = block ? blockVerdict(block) : "undefined";
    const revealed = revealedItems(snap()).length;
    box.className = `present-alpha alpha-${verdict}`;
    box.dataset.verdict = verdict;
    // The server leaves out a criterion's alpha over too few interactions: words, no figure.
    box.dataset.figure = String(alphaDefined(block));
    box.title = alphaDefined(block) ? criterionAlphaTitle(block, revealed) : "";
    const heading = `Agreement on this criterion across ${revealedCountText(revealed)}`;
    fill(box, ...(block ? largeAlphaParts(block, heading) : []), itemLine);
  }

  /** "Interaction 2, all criteria: α = 0.41 (95% CI …) · Tentative", or why there is none. */
  function interactionAlphaLine(scope) {
    const revealed = snap().revealed[String(scope)];
    if (!revealed) return null;
    const block = interactionAlpha(snap(), scope);
    let text;
    let verdict = "undefined";
    if (raterCount(revealed) === 0) {
      text = "No ratings to compare";
    } else if (!block) {
      return null;
    } else {
      text = alphaText(block);
      if (alphaDefined(block)) verdict = blockVerdict(block);
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
      h("span", { class: "present-alpha-item-label", text: `${itemName(scope)}, all criteria: ` }),
      text,
    );
  }

  function fillItem(scope, row, criterion) {
    const { revealed: all, me, session } = snap();
    const revealed = all[String(scope)];
    const entries = revealed.ratings[String(criterion.id)] || [];
    shown = { scope: Number(scope), criterion: criterion.id };
    fillHead(row, criterion, `${itemName(scope)} · ranked by disagreement`, [
      ...rankFlags(row, criterion),
      flagBadge(sharedFlagInfo(snap(), scope, criterion.id), { large: true }),
      h("span", { class: "muted", text: row.n ? `${ratingsCount(row.n)} · ${criterion.scale}` : criterion.scale }),
    ]);
    fillAlpha(scope, criterion);
    fill(slots.left, h("h3", { class: "present-sub", text: "Answers" }), distributionChart(criterion, row, { large: true }));
    const excluded = excludedLine(itemById(snap(), scope)?.excluded);
    fill(
      slots.right,
      h("h3", { class: "present-sub", text: "Ratings and comments" }),
      reviewerList(criterion, entries),
      excluded ? h("p", { class: "excluded", text: excluded }) : null,
    );
    fillUnanimous(scope, row, criterion, revealed.consensus[String(criterion.id)]);
    const key = `${scope}:${criterion.id}`;
    let block = blocks.get(key);
    if (!block) {
      block = new ConsensusBlock({ live, itemId: scope, criterion, large: true });
      blocks.set(key, block);
    }
    block.update(revealed.consensus[String(criterion.id)], {
      editable: me.is_facilitator && session.status !== "closed",
    });
    if (slots.consensus.firstChild !== block.el) {
      slots.consensus.replaceChildren(h("h3", { class: "present-sub", text: "Consensus" }), block.el);
    }
  }

  /** Everyone gave the same answer: one line, and for the facilitator Accept (or A). */
  function fillUnanimous(scope, row, criterion, agreed) {
    const { me, session } = snap();
    const canAccept = Boolean(row.unanimous) && me.is_facilitator && session.status !== "closed" && !isDecided(agreed);
    acceptable = canAccept ? { item: Number(scope), criterion: criterion.id } : null;
    slots.unanimous.hidden = !row.unanimous;
    if (!row.unanimous) return;
    const [code] = Object.keys(row.distribution || {});
    fill(
      slots.unanimous,
      h("span", { class: "unanimous-label", text: `Everyone (${ratingsCount(row.n)}) answered ` }),
      ratingChip(criterion, code === "na" ? null : Number(code), code === "na"),
      canAccept ? slots.accept : null,
    );
  }

  async function accept() {
    if (!acceptable) return;
    const target = acceptable;
    slots.accept.disabled = true;
    try {
      await live.request("consensus.accept_unanimous", { item: target.item, criterion: target.criterion });
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      slots.accept.disabled = false;
    }
  }

  function fillSession(row, criterion) {
    acceptable = null;
    shown = { scope: "all", criterion: criterion.id };
    slots.unanimous.hidden = true;
    const revealed = revealedItems(snap());
    fillHead(row, criterion, `All interactions · mean disagreement over ${revealed.length} revealed`, [
      ...rankFlags(row, criterion, { flipText: sessionFlipText(row, revealed.length) }),
      h("span", { class: "muted", text: criterion.scale }),
    ]);
    fillAlpha("all", criterion);
    const perItem = h(
      "ul",
      { class: "present-items" },
      perInteractionItems(snap(), criterion, ({ item, row: itemRow, agreed }) => {
        const go = h("button", { type: "button", class: "per-item-link", text: itemName(item.id) });
        go.addEventListener("click", () => open(item.id, criterion.id));
        return [
          h("div", { class: "present-item-head" }, go, flagBadge(sharedFlagInfo(snap(), item.id, criterion.id)), rowLevelPill(itemRow)),
          distributionChart(criterion, itemRow),
          h("p", { class: "present-item-consensus", text: agreed }),
        ];
      }),
    );
    fill(slots.left, h("h3", { class: "present-sub", text: "Per interaction" }), perItem);
    slots.left.classList.add("present-span");
    fill(slots.right);
    slots.consensus.replaceChildren();
  }

  return { show, accept, canAccept: () => acceptable !== null, shown: () => shown };
}
