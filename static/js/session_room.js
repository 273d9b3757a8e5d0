// The live session room: blind scoring, presence, the facilitator's controls and the reveal.
// Everything is drawn from the snapshot the server sends this viewer (first embedded in the
// page, then over the websocket after every change). The viewer's own unsent changes come from
// the LiveSession outbox and win over the snapshot until the server acknowledges them.

import {
  ConsensusBlock,
  LiveSession,
  alphaHelp,
  bindConnectionPill,
  criterionAlphaBadge,
  currentRating,
  distributionChart,
  excludedText,
  fillAlphaLine,
  h,
  levelName,
  ratingLabel,
  readJsonScript,
  reviewerList,
  rowLevel,
  rowLevelPill,
  toast,
  uniqueId,
} from "./live.js";

const COMMENT_DEBOUNCE_MS = 600;
const NUDGE_COOLDOWN_MS = 30000;

const root = document.getElementById("live-room");
if (root) new Room(root).start();

function Room(rootElement) {
  // A plain closure-based object: the module is small enough not to need a class hierarchy.
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

  let snap = readJsonScript("initial-snapshot");
  const live = LiveSession.forPage(rootElement);
  const initialTime = Date.parse(snap.session.server_time);
  if (!Number.isNaN(initialTime)) live.clockOffset = initialTime - Date.now();

  const itemLabels = new Map(
    els.tabs.map((tab) => [Number(tab.dataset.itemId), { number: tab.dataset.number, title: tab.dataset.title }]),
  );
  let active = els.tabs.length ? Number(els.tabs[0].dataset.itemId) : null;
  let work = { key: null, mode: null }; // what the work column currently shows
  let submitting = false;
  let policy = "exclude";
  const commentTimers = new Map(); // "item:criterion" -> timeout id
  const nudgedAt = new Map(); // participant id -> ms
  const signatures = new Map(); // region -> JSON of what it shows

  // --- small lookups --------------------------------------------------------------------

  const criteria = () => snap.criteria;
  const criterionById = (id) => snap.criteria.find((c) => c.id === Number(id));
  const itemById = (id) => snap.items.find((item) => item.id === Number(id));
  const itemName = (id) => `Interaction ${itemLabels.get(Number(id))?.number ?? "?"}`;
  const isClosed = () => snap.session.status === "closed";
  const canEditScores = () => snap.session.status === "scoring" && snap.me.can_score;

  function shownScore(itemId, criterionId) {
    return live.mergedScore(itemId, criterionId, snap.my_scores?.[String(itemId)]?.[String(criterionId)]);
  }
  const isRated = (score) => score.na || (score.value !== null && score.value !== undefined);
  // Agreement figures (Krippendorff's alpha), present once something is revealed.
  const itemAlpha = (id) => snap.agreement?.interactions?.[String(id)] || null;
  const criterionAlpha = (id) => snap.agreement?.criteria?.[String(id)] || null;
  const revealedCount = () => snap.items.filter((item) => item.revealed).length;

  function changed(region, data) {
    const signature = JSON.stringify(data);
    if (signatures.get(region) === signature) return false;
    signatures.set(region, signature);
    return true;
  }

  // --- tabs -----------------------------------------------------------------------------

  function allTabs() {
    return els.allTab.hidden ? els.tabs : [...els.tabs, els.allTab];
  }

  function select(id, { focus = false, updateHash = true } = {}) {
    const previous = active;
    active = id === "all" ? "all" : Number(id);
    for (const tab of [...els.tabs, els.allTab]) {
      const selected = tab.dataset.itemId === String(active);
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) {
        els.panel.setAttribute("aria-labelledby", tab.id);
        if (focus) tab.focus();
        // The strip scrolls sideways when the tabs do not fit: keep the chosen one in view.
        scrollTabIntoView(tab);
      }
    }
    for (const article of els.articles) article.hidden = article.dataset.interactionFor !== String(active);
    if (active !== "all") {
      // The interaction column scrolls on its own: it is a focusable region named after it.
      const label = itemLabels.get(active);
      els.interactions.setAttribute("aria-label", `${itemName(active)}: ${label?.title ?? ""}`);
      if (previous !== active) els.interactions.scrollTop = 0;
    }
    els.split.hidden = active === "all";
    els.all.hidden = active !== "all";
    if (updateHash) history.replaceState(null, "", active === "all" ? "#all" : `#item-${active}`);
    renderHeader();
    renderWork();
    renderRail();
  }

  function scrollTabIntoView(tab) {
    const strip = els.tablist;
    if (strip.scrollWidth <= strip.clientWidth) return;
    const box = strip.getBoundingClientRect();
    const rect = tab.getBoundingClientRect();
    // Clear of the faded edge (2.5rem), unless the tab is the first or last.
    const margin = 44;
    if (rect.left < box.left + margin) strip.scrollLeft -= box.left + margin - rect.left;
    else if (rect.right > box.right - margin) strip.scrollLeft += rect.right - (box.right - margin);
  }

  /** Fades the edge of the strip where tabs are scrolled out of sight. */
  function markTabOverflow() {
    const strip = els.tablist;
    const hidden = strip.scrollWidth - strip.clientWidth;
    strip.classList.toggle("is-clipped-start", hidden > 1 && strip.scrollLeft > 1);
    strip.classList.toggle("is-clipped-end", hidden > 1 && strip.scrollLeft < hidden - 1);
  }
  els.tablist.addEventListener("scroll", markTabOverflow, { passive: true });
  if (window.ResizeObserver) new ResizeObserver(markTabOverflow).observe(els.tablist);

  els.tablist.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) select(tab.dataset.itemId);
  });
  els.tablist.addEventListener("keydown", (event) => {
    const tabs = allTabs();
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (next) {
      event.preventDefault();
      select(next.dataset.itemId, { focus: true });
    }
  });

  // --- header ---------------------------------------------------------------------------


  function renderHeader() {
    const { status, status_label: label } = snap.session;
    els.status.textContent = label;
    els.status.className = `badge live-status badge-status-${status}`;
    els.status.dataset.status = status;
    if (active === "all") {
      const submitted = snap.items.reduce((sum, item) => sum + item.submitted, 0);
      const total = snap.items.reduce((sum, item) => sum + item.total, 0);
      els.progressLabel.textContent = "All interactions";
      els.progress.textContent = `${submitted} of ${total} submitted`;
    } else {
      const item = itemById(active);
      els.progressLabel.textContent = itemName(active);
      els.progress.textContent = item ? `${item.submitted} of ${item.total} submitted` : "";
    }
    tick();
  }

  function tick() {
    const deadline = Date.parse(snap.session.deadline);
    if (snap.session.status !== "scoring" || Number.isNaN(deadline)) {
      els.timer.hidden = true;
      return;
    }
    const left = Math.max(0, Math.round((deadline - live.serverNow()) / 1000));
    els.timer.hidden = false;
    els.timer.dataset.kind = left === 0 ? "over" : left <= 120 ? "soon" : "";
    if (left === 0) {
      els.timer.textContent = "Time is up";
    } else {
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      els.timer.textContent = `${minutes}:${seconds} left`;
    }
    els.timer.setAttribute("aria-label", left === 0 ? "Scoring time is up" : `${Math.ceil(left / 60)} minutes of scoring left`);
  }
  setInterval(tick, 1000);

  function renderTabs() {
    const mine = new Set(snap.me.submitted);
    for (const tab of els.tabs) {
      const item = itemById(tab.dataset.itemId);
      if (!item) continue;
      const marks = tab.querySelector("[data-marks]");
      const data = { revealed: item.revealed, s: item.submitted, t: item.total, mine: mine.has(item.id) };
      if (!changed(`tab-${item.id}`, data)) continue;
      marks.replaceChildren();
      tab.dataset.revealed = String(item.revealed);
      tab.dataset.submitted = String(mine.has(item.id));
      if (mine.has(item.id)) {
        marks.append(
          h("span", { class: "tab-done", "data-testid": "tab-done", title: "You submitted this interaction" }, "✓", h("span", { class: "visually-hidden", text: " submitted" })),
        );
      }
      if (item.revealed) {
        marks.append(h("span", { class: "tab-revealed", "data-testid": "tab-revealed", text: "Revealed" }));
      } else {
        marks.append(h("span", { class: "tab-count", title: `${item.submitted} of ${item.total} submitted`, text: `${item.submitted}/${item.total}` }));
      }
    }
    const anyRevealed = snap.items.some((item) => item.revealed);
    els.allTab.hidden = !anyRevealed;
    if (!anyRevealed && active === "all") select(els.tabs[0].dataset.itemId);
    markTabOverflow();
  }

  // --- the work column ------------------------------------------------------------------

  function renderWork() {
    if (active === "all") {
      renderAllView();
      return;
    }
    const item = itemById(active);
    if (!item) return;
    const mode = item.revealed ? "reveal" : snap.me.can_score ? "score" : "watch";
    const key = `${mode}:${item.id}`;
    if (work.key !== key) {
      work = { key, mode, itemId: item.id };
      signatures.delete("watch");
      if (mode === "score") buildScorecard(item);
      else if (mode === "reveal") buildReveal(item);
      else els.work.replaceChildren();
    }
    if (mode === "score") updateScorecard();
    else if (mode === "reveal") updateReveal();
    else renderWatch(item);
  }

  // --- scoring: build once per interaction, then update in place ----------------------

  function buildScorecard(item) {
    const refs = new Map();
    const body = h("div", { class: "ls-groups" });
    let group = null;
    let groupName = null;
    for (const criterion of criteria()) {
      if (group === null || criterion.group !== groupName) {
        groupName = criterion.group;
        group = h("section", { class: "ls-group" }, groupName ? h("h3", { class: "ls-group-title", text: groupName }) : null);
        body.append(group);
      }
      const ref = buildCriterion(item.id, criterion);
      refs.set(criterion.id, ref);
      group.append(ref.root);
    }
    const submitButton = h("button", { type: "button", class: "btn btn-primary", "data-testid": "submit-item" }, "Submit this interaction");
    const submitNote = h("p", { class: "submit-note", "data-testid": "submit-note", "aria-live": "polite" });
    submitButton.addEventListener("click", () => submit(item.id));
    const notice = h("p", { class: "notice", "data-notice": "" });
    els.work.replaceChildren(
      h(
        "div",
        { class: "work-head" },
        h("h2", { text: "Your scores" }),
        h(
          "p",
          { class: "keys-hint" },
          h("kbd", {}, "1"), "–", h("kbd", {}, "9"), " rate · ",
          h("kbd", {}, "0"), " N/A · ",
          h("kbd", {}, "↑"), h("kbd", {}, "↓"), " criterion · ",
          h("kbd", {}, "C"), " comment",
        ),
      ),
      notice,
      body,
      h("div", { class: "submit-bar" }, h("div", { class: "submit-text" }, submitNote), submitButton),
    );
    work.refs = refs;
    work.notice = notice;
    work.submitButton = submitButton;
    work.submitNote = submitNote;
  }

  function buildCriterion(itemId, criterion) {
    const nameId = uniqueId("crit");
    const commentId = uniqueId("comment");
    const state = h("span", { class: "save-state", "data-testid": "save-state", "aria-live": "polite" });
    const options = [];
    const group = h("div", { class: "ls-options", role: "radiogroup", "aria-labelledby": nameId });
    criterion.choices.forEach(([code, label], index) => {
      const button = h(
        "button",
        {
          type: "button",
          role: "radio",
          class: `opt${criterion.fail_values.includes(code) ? " opt-fail" : ""}`,
          "aria-checked": "false",
          tabindex: "-1",
          "data-testid": "rating-option",
          dataset: { value: code },
        },
        index < 9 ? h("span", { class: "opt-key", "aria-hidden": "true", text: String(index + 1) }) : null,
        h("span", { class: "opt-label", text: label }),
      );
      button.addEventListener("click", () => choose(itemId, criterion, code, false));
      options.push(button);
      group.append(button);
    });
    let na = null;
    if (criterion.na_allowed) {
      na = h(
        "button",
        { type: "button", role: "radio", class: "opt opt-na", "aria-checked": "false", tabindex: "-1", "data-testid": "na-option", dataset: { value: "na" } },
        h("span", { class: "opt-key", "aria-hidden": "true", text: "0" }),
        h("span", { class: "opt-label", text: "N/A" }),
      );
      na.addEventListener("click", () => choose(itemId, criterion, null, true));
      group.append(na);
    }
    const comment = h("textarea", {
      id: commentId,
      class: "ls-comment",
      rows: "1",
      maxlength: "5000",
      placeholder: "Comment (optional): why this rating?",
      "data-testid": "comment",
    });
    comment.addEventListener("input", () => scheduleComment(itemId, criterion, comment));
    comment.addEventListener("blur", () => flushComment(itemId, criterion, comment));
    const guidance =
      criterion.guidance_right || criterion.guidance_wrong
        ? h(
            "details",
            { class: "ls-guidance" },
            h("summary", {}, "Guidance"),
            h(
              "div",
              { class: "guidance" },
              criterion.guidance_right ? h("div", { class: "right" }, h("strong", { text: "Right: " }), criterion.guidance_right) : null,
              criterion.guidance_wrong ? h("div", { class: "wrong" }, h("strong", { text: "Wrong: " }), criterion.guidance_wrong) : null,
            ),
          )
        : null;
    const rootEl = h(
      "div",
      { class: "ls-crit", "data-testid": "criterion", dataset: { criterionId: criterion.id } },
      h(
        "div",
        { class: "ls-crit-head" },
        h("h4", { id: nameId, class: "ls-name", text: criterion.name }),
        criterion.critical ? h("span", { class: "badge badge-danger", text: "Critical" }) : null,
        h("span", { class: "ls-scale", text: criterion.scale }),
        state,
      ),
      criterion.description ? h("p", { class: "ls-desc", text: criterion.description }) : null,
      guidance,
      group,
      h("label", { class: "visually-hidden", for: commentId, text: `Comment on ${criterion.name}` }),
      comment,
    );
    return { root: rootEl, criterion, options, na, comment, state, group };
  }

  function choose(itemId, criterion, value, na) {
    if (!canEditScores() || work.itemId !== itemId) return;
    const ref = work.refs.get(criterion.id);
    clearTimeout(commentTimers.get(`${itemId}:${criterion.id}`));
    commentTimers.delete(`${itemId}:${criterion.id}`);
    live.saveScore(itemId, criterion.id, { value, na, comment: ref.comment.value });
  }

  function scheduleComment(itemId, criterion, textarea) {
    const key = `${itemId}:${criterion.id}`;
    clearTimeout(commentTimers.get(key));
    commentTimers.set(key, setTimeout(() => flushComment(itemId, criterion, textarea), COMMENT_DEBOUNCE_MS));
  }

  function flushComment(itemId, criterion, textarea) {
    const key = `${itemId}:${criterion.id}`;
    if (!commentTimers.has(key)) return;
    clearTimeout(commentTimers.get(key));
    commentTimers.delete(key);
    if (!canEditScores()) return;
    const shown = shownScore(itemId, criterion.id);
    if ((shown.comment || "") === textarea.value) return;
    live.saveScore(itemId, criterion.id, { value: shown.value, na: shown.na, comment: textarea.value });
  }

  function updateScorecard() {
    const item = itemById(work.itemId);
    if (!item || !work.refs) return;
    const editable = canEditScores() && !item.revealed;
    const missing = [];
    for (const ref of work.refs.values()) {
      const { criterion } = ref;
      const score = shownScore(item.id, criterion.id);
      if (!isRated(score)) missing.push(criterion.name);
      const all = ref.na ? [...ref.options, ref.na] : ref.options;
      let focusable = null;
      for (const button of all) {
        const checked = button === ref.na ? score.na : !score.na && score.value === Number(button.dataset.value);
        button.setAttribute("aria-checked", String(checked));
        button.classList.toggle("is-selected", checked);
        button.disabled = !editable;
        if (checked) focusable = button;
      }
      // Roving tab stop: Tab lands on the chosen answer (or the first) of each criterion.
      const stop = focusable || all[0];
      for (const button of all) button.tabIndex = button === stop ? 0 : -1;
      ref.comment.disabled = !editable;
      const key = `${item.id}:${criterion.id}`;
      if (document.activeElement !== ref.comment && !commentTimers.has(key)) {
        ref.comment.value = score.comment || "";
      }
      ref.root.classList.toggle("is-rated", isRated(score));
      setSaveState(ref.state, item.id, criterion.id, score);
    }
    const submitted = snap.me.submitted.includes(item.id);
    const button = work.submitButton;
    const note = work.submitNote;
    const status = snap.session.status;
    work.notice.hidden = status === "scoring";
    if (status === "draft") {
      work.notice.textContent = "Scoring opens when the facilitator starts it. Read the interaction in the meantime.";
    } else if (status === "closed") {
      work.notice.textContent = "This session is closed.";
    }
    note.title = "";
    if (submitted) {
      button.textContent = "Submitted ✓";
      button.disabled = true;
      note.textContent = "Submitted. You can still change your ratings until the reveal.";
      note.dataset.kind = "ok";
    } else {
      button.textContent = submitting ? "Submitting…" : "Submit this interaction";
      button.disabled = !editable || missing.length > 0 || submitting;
      if (status === "draft") {
        note.textContent = "Scoring has not started yet.";
        note.dataset.kind = "";
      } else if (missing.length) {
        note.textContent =
          missing.length > 3 ? `${missing.length} criteria still to rate.` : `Still to rate: ${missing.join(", ")}.`;
        note.title = missing.join(", ");
        note.dataset.kind = "missing";
      } else {
        note.textContent = "Every criterion is rated. Submit when you are ready.";
        note.dataset.kind = "ready";
      }
    }
    const mark = item.submitted === item.total ? " Everyone has submitted." : "";
    button.title = `${item.submitted} of ${item.total} submitted.${mark}`;
  }

  function setSaveState(element, itemId, criterionId, score) {
    const error = live.scoreError(itemId, criterionId);
    let text = "";
    let kind = "";
    if (error) {
      text = error;
      kind = "error";
    } else if (score.pending && !score.sendable) {
      text = "Pick a rating to save the comment";
      kind = "pending";
    } else if (score.pending) {
      text = live.state === "online" ? "Saving…" : "Saving… (waiting for connection)";
      kind = "pending";
    } else if (score.saved && isRated(score)) {
      text = "Saved";
      kind = "ok";
    }
    element.textContent = text;
    element.dataset.kind = kind;
  }

  async function submit(itemId) {
    if (submitting) return;
    // A comment being typed goes first: frames are handled in order on the server.
    for (const ref of work.refs?.values() || []) flushComment(itemId, ref.criterion, ref.comment);
    submitting = true;
    updateScorecard();
    try {
      await live.request("submit", { item: itemId });
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      submitting = false;
      if (work.mode === "score") updateScorecard();
    }
  }

  // Keys inside the scorecard: 1–9 rate, 0/N N/A, arrows move, C comments, Esc leaves a comment.
  els.work.addEventListener("keydown", (event) => {
    if (work.mode !== "score" || event.altKey || event.ctrlKey || event.metaKey) return;
    const critEl = event.target.closest?.('[data-testid="criterion"]');
    if (!critEl) return;
    const ref = work.refs.get(Number(critEl.dataset.criterionId));
    if (!ref) return;
    const all = ref.na ? [...ref.options, ref.na] : ref.options;
    const focusGroup = (target) => {
      const targetAll = target.na ? [...target.options, target.na] : target.options;
      (targetAll.find((b) => b.tabIndex === 0) || targetAll[0]).focus();
      target.root.scrollIntoView({ block: "nearest", behavior: "smooth" });
    };
    if (event.target.tagName === "TEXTAREA") {
      if (event.key === "Escape") {
        event.preventDefault();
        focusGroup(ref);
      }
      return;
    }
    if (event.target.tagName === "SUMMARY" && (event.key === " " || event.key === "Enter")) return;
    const key = event.key;
    if (/^[1-9]$/.test(key)) {
      const option = ref.options[Number(key) - 1];
      if (option && !option.disabled) {
        event.preventDefault();
        option.click();
        option.focus();
      }
    } else if (key === "0" || key === "n" || key === "N") {
      if (ref.na && !ref.na.disabled) {
        event.preventDefault();
        ref.na.click();
        ref.na.focus();
      }
    } else if (key === "c" || key === "C") {
      event.preventDefault();
      ref.comment.focus();
    } else if (key === "ArrowDown" || key === "ArrowUp") {
      const list = [...work.refs.values()];
      const next = list[list.indexOf(ref) + (key === "ArrowDown" ? 1 : -1)];
      event.preventDefault();
      if (next) focusGroup(next);
    } else if ((key === "ArrowRight" || key === "ArrowLeft") && all.includes(event.target)) {
      event.preventDefault();
      const index = all.indexOf(event.target);
      all[(index + (key === "ArrowRight" ? 1 : -1) + all.length) % all.length].focus();
    }
  });

  // --- a facilitator who does not score (or an observer) ------------------------------

  function renderWatch(item) {
    const scorers = snap.participants.filter((p) => p.scores);
    const data = { item, scorers: scorers.map((p) => [p.id, p.name, p.submitted.includes(item.id), p.online]), status: snap.session.status };
    if (!changed("watch", data)) return;
    const percent = item.total ? Math.round((item.submitted / item.total) * 100) : 0;
    const bar = h("span", { class: "progress-fill" });
    bar.style.setProperty("--w", `${percent}%`);
    const status = snap.session.status;
    const heading =
      status === "draft" ? "Scoring has not started" : status === "closed" ? "Session closed" : "Scoring in progress";
    els.work.replaceChildren(
      h(
        "div",
        { class: "watch card" },
        h("h2", { text: heading }),
        h(
          "p",
          { class: "muted" },
          !snap.me.is_facilitator
            ? "You are observing: ratings stay hidden until the facilitator reveals this interaction."
            : status === "draft"
              ? "Reviewers can read the interactions now. Open scoring from the panel on the right when everyone is here."
              : "Ratings stay hidden, from you too, until you reveal this interaction.",
        ),
        h("p", { class: "watch-count" }, h("strong", { text: String(item.submitted) }), ` of ${item.total} submitted`),
        h("span", { class: "progress-track", role: "presentation" }, bar),
        h(
          "ul",
          { class: "watch-list" },
          scorers.map((p) =>
            h(
              "li",
              { class: p.submitted.includes(item.id) ? "is-done" : "" },
              h("span", { class: `dot${p.online ? " is-online" : ""}`, title: p.online ? "Online" : "Offline" }),
              h("span", { class: "watch-name", text: p.name }),
              h("span", {
                class: `badge ${p.submitted.includes(item.id) ? "badge-success" : ""}`,
                text: p.submitted.includes(item.id) ? "Submitted" : "Not yet",
              }),
            ),
          ),
        ),
        h("h3", { class: "watch-sub", text: "Criteria being calibrated" }),
        h("ol", { class: "watch-criteria" }, criteria().map((c) => h("li", { text: c.name }))),
      ),
    );
  }

  // --- the reveal -----------------------------------------------------------------------

  function buildReveal(item) {
    const ranking = h("ol", { class: "ranking", "data-testid": "ranking", dataset: { itemId: item.id } });
    const excluded = h("p", { class: "excluded", "data-testid": "excluded", hidden: true });
    const summary = h("p", { class: "muted reveal-sub" });
    const agreement = h("p", { class: "alpha-line", "data-testid": "agreement" });
    const agreementBar = h("div", { class: "alpha-bar", hidden: true }, agreement, alphaHelp());
    els.work.replaceChildren(
      h(
        "div",
        { class: "reveal" },
        h(
          "div",
          { class: "work-head" },
          h("h2", { text: `How the group rated ${itemName(item.id)}` }),
          ruleDisclosure(),
        ),
        summary,
        excluded,
        agreementBar,
        ranking,
      ),
    );
    work.agreement = agreement;
    work.agreementBar = agreementBar;
    work.rows = new Map();
    work.ranking = ranking;
    work.excluded = excluded;
    work.summary = summary;
  }

  function ruleDisclosure() {
    return h("details", { class: "rule" }, h("summary", {}, "How is this ranked?"), h("p", { text: snap.rule }));
  }

  function updateReveal() {
    const item = itemById(work.itemId);
    const revealed = snap.revealed[String(item.id)];
    if (!revealed) return;
    const raters = new Set();
    for (const entries of Object.values(revealed.ratings)) for (const e of entries) raters.add(e.participant);
    const empty = raters.size === 0;
    work.summary.dataset.empty = String(empty);
    work.summary.textContent = empty
      ? "No ratings to compare: no reviewer's ratings were included in this reveal."
      : `${raters.size} ${raters.size === 1 ? "reviewer" : "reviewers"} · criteria ranked by disagreement, most first.` +
        (item.policy === "include_drafts" ? " Drafts of reviewers who had not submitted are included." : "");
    const excluded = excludedText(item.excluded);
    work.excluded.hidden = !excluded;
    work.excluded.textContent = excluded ? `Excluded (not submitted): ${excluded}` : "";
    const alpha = empty ? null : itemAlpha(item.id);
    work.agreementBar.hidden = !alpha;
    if (alpha) {
      const units = alpha.n_units === 1 ? "criterion is" : `${alpha.n_units} criteria are`;
      fillAlphaLine(work.agreement, alpha, {
        title: `Krippendorff's alpha for ${itemName(item.id)}: its ${units} the units, the reviewers the raters (${alpha.level} level).`,
      });
    }
    const order = [];
    revealed.ranking.forEach((row, index) => {
      const criterion = criterionById(row.criterion);
      if (!criterion) return;
      let rowRef = work.rows.get(criterion.id);
      if (!rowRef) {
        rowRef = buildRankRow(item.id, criterion);
        work.rows.set(criterion.id, rowRef);
      }
      fillRankRow(rowRef, row, index, revealed);
      order.push(rowRef.li);
    });
    // Move rows only if the order changed: moving a node would take the focus out of it.
    const current = [...work.ranking.children];
    if (current.length !== order.length || current.some((li, i) => li !== order[i])) {
      work.ranking.replaceChildren(...order);
    }
  }

  function buildRankRow(itemId, criterion) {
    const head = h("div", { class: "rank-head" });
    const dist = h("div", { class: "rank-dist" });
    const people = h("div", { class: "rank-people" });
    const consensus = new ConsensusBlock({ live, itemId, criterion });
    const li = h(
      "li",
      { class: "rank-row", "data-testid": "ranking-row", dataset: { criterionId: criterion.id } },
      head,
      h("div", { class: "rank-body" }, dist, people),
      consensus.el,
    );
    const rowRef = { li, head, dist, people, consensus, criterion, itemId, revise: null };
    return rowRef;
  }

  function fillRankRow(rowRef, row, index, revealed) {
    const { criterion } = rowRef;
    const entries = revealed.ratings[String(criterion.id)] || [];
    rowRef.li.dataset.level = rowLevel(row);
    rowRef.li.classList.toggle("has-flip", row.critical_flip);
    rowRef.head.replaceChildren(
      h("span", { class: "rank-pos", "aria-hidden": "true", text: String(index + 1) }),
      h(
        "div",
        { class: "rank-title" },
        h("h3", { text: criterion.name }),
        h(
          "div",
          { class: "rank-flags" },
          row.critical_flip
            ? h("span", { class: "flip-badge", "data-testid": "critical-flip", text: "⚠ Pass/fail split on a critical criterion" })
            : criterion.critical
              ? h("span", { class: "badge badge-danger", text: "Critical" })
              : null,
          rowLevelPill(row),
          row.n ? h("span", { class: "muted rank-n", text: `${row.n} ${row.n === 1 ? "rating" : "ratings"}` }) : null,
          criterionAlphaBadge(criterionAlpha(criterion.id), { revealedCount: revealedCount() }),
        ),
      ),
    );
    rowRef.dist.replaceChildren(distributionChart(criterion, row.distribution || {}));
    rowRef.people.replaceChildren(reviewerList(criterion, entries));
    rowRef.consensus.update(revealed.consensus[String(criterion.id)], {
      editable: snap.me.is_facilitator && !isClosed(),
    });
    updateRevise(rowRef, entries.find((entry) => entry.is_me));
  }

  function updateRevise(rowRef, mine) {
    const allowed = snap.me.can_score && !isClosed() && mine;
    if (!allowed) {
      if (rowRef.revise) rowRef.revise.root.hidden = true;
      return;
    }
    if (!rowRef.revise) rowRef.revise = buildRevise(rowRef);
    const revise = rowRef.revise;
    revise.root.hidden = false;
    revise.mine = mine;
    if (!revise.dirty && !revise.root.open) resetRevise(revise);
  }

  /** The revision form starts at the reviewer's rating now: the last revision, else the blind one. */
  function resetRevise(revise) {
    if (!revise.mine) return;
    const current = currentRating(revise.mine);
    const value = current.na ? "na" : current.value === null || current.value === undefined ? "" : String(current.value);
    for (const option of revise.select.options) option.defaultSelected = option.value === value;
    revise.select.value = value;
    revise.comment.value = "";
  }

  function buildRevise(rowRef) {
    const { criterion, itemId } = rowRef;
    const selectId = uniqueId("revise");
    const commentId = uniqueId("revise-comment");
    const select = h("select", { id: selectId, "data-testid": "revise-value" });
    for (const [code, label] of criterion.choices) select.append(h("option", { value: String(code), text: label }));
    if (criterion.na_allowed) select.append(h("option", { value: "na", text: "N/A" }));
    const comment = h("textarea", { id: commentId, rows: "2", maxlength: "5000", placeholder: "What changed your mind? (optional)", "data-testid": "revise-comment" });
    const status = h("span", { class: "save-note", "aria-live": "polite" });
    const button = h("button", { type: "submit", class: "btn btn-small", "data-testid": "revise-save" }, "Save revision");
    const form = h(
      "form",
      { class: "revise-form" },
      h("div", { class: "consensus-field" }, h("label", { for: selectId, text: "My rating now" }), select),
      h("div", { class: "consensus-field consensus-field-note" }, h("label", { for: commentId, text: "Comment" }), comment),
      h("div", { class: "consensus-actions" }, button, status),
    );
    const root = h("details", { class: "revise", "data-testid": "revise" }, h("summary", {}, "Revise my rating"), form);
    const revise = { root, select, comment, status, dirty: false, mine: null };
    const markDirty = () => (revise.dirty = true);
    // Opening the form always starts from the current rating; closing it drops an unsaved change.
    root.addEventListener("toggle", () => {
      if (root.open) {
        if (!revise.dirty) resetRevise(revise);
      } else if (!button.disabled) {
        revise.dirty = false;
        resetRevise(revise);
      }
    });
    select.addEventListener("change", markDirty);
    comment.addEventListener("input", markDirty);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const raw = select.value;
      button.disabled = true;
      status.textContent = "Saving…";
      status.dataset.kind = "pending";
      try {
        await live.request("revision.save", {
          item: itemId,
          criterion: criterion.id,
          value: raw === "na" ? null : Number(raw),
          na: raw === "na",
          comment: comment.value,
        });
        revise.dirty = false;
        status.textContent = "Revision saved";
        status.dataset.kind = "ok";
        root.open = false;
      } catch (error) {
        status.textContent = error.message;
        status.dataset.kind = "error";
      } finally {
        button.disabled = false;
      }
    });
    rowRef.li.append(root);
    return revise;
  }

  // --- all interactions -----------------------------------------------------------------

  function renderAllView() {
    const revealedItems = snap.items.filter((item) => item.revealed);
    const data = { r: snap.session_ranking, rev: snap.revealed, rule: snap.rule, ag: snap.agreement };
    if (!changed("all", data)) return;
    const list = h("ol", { class: "ranking ranking-session", "data-testid": "session-ranking" });
    snap.session_ranking.forEach((row, index) => {
      const criterion = criterionById(row.criterion);
      if (!criterion) return;
      const perItem = h("ul", { class: "per-item" });
      for (const item of revealedItems) {
        const revealed = snap.revealed[String(item.id)];
        const itemRow = revealed?.ranking.find((r) => r.criterion === criterion.id);
        if (!itemRow) continue;
        const agreed = revealed.consensus[String(criterion.id)];
        const decided = agreed && (agreed.na || agreed.value !== null);
        const go = h("button", { type: "button", class: "per-item-link", text: itemName(item.id) });
        go.addEventListener("click", () => select(item.id, { focus: true }));
        perItem.append(
          h(
            "li",
            { dataset: { level: rowLevel(itemRow) } },
            go,
            rowLevelPill(itemRow),
            itemRow.critical_flip ? h("span", { class: "flip-badge flip-small", text: "⚠ critical split" }) : null,
            h("span", { class: "per-item-consensus", text: decided ? `Agreed: ${ratingLabel(criterion, agreed.value, agreed.na)}` : "No consensus yet" }),
          ),
        );
      }
      list.append(
        h(
          "li",
          { class: `rank-row${row.critical_flip ? " has-flip" : ""}`, "data-testid": "session-ranking-row", dataset: { criterionId: criterion.id, level: rowLevel(row) } },
          h(
            "div",
            { class: "rank-head" },
            h("span", { class: "rank-pos", "aria-hidden": "true", text: String(index + 1) }),
            h(
              "div",
              { class: "rank-title" },
              h("h3", { text: criterion.name }),
              h(
                "div",
                { class: "rank-flags" },
                row.critical_flip
                  ? h("span", {
                      class: "flip-badge",
                      "data-testid": "critical-flip",
                      text: `⚠ Pass/fail split on a critical criterion (${row.critical_flips} of ${revealedItems.length})`,
                    })
                  : null,
                rowLevelPill(row),
                h("span", { class: "muted rank-n", text: "mean over revealed interactions" }),
                criterionAlphaBadge(criterionAlpha(criterion.id), { revealedCount: revealedItems.length }),
              ),
            ),
          ),
          perItem,
        ),
      );
    });
    const pending = snap.items.length - revealedItems.length;
    els.all.replaceChildren(
      h(
        "div",
        { class: "reveal all-view card" },
        h("div", { class: "work-head" }, h("h2", { text: "All interactions" }), ruleDisclosure()),
        h(
          "p",
          { class: "muted reveal-sub" },
          `Criteria ranked by mean disagreement over ${revealedItems.length} revealed ${revealedItems.length === 1 ? "interaction" : "interactions"}.` +
            (pending ? ` ${pending} not revealed yet.` : ""),
        ),
        sessionAgreement(revealedItems.length),
        list,
      ),
    );
  }

  /** The session's alpha per measurement level, above the session ranking. */
  function sessionAgreement(revealed) {
    const levels = Object.entries(snap.agreement?.session || {});
    if (!levels.length) return null;
    const over = `${revealed} revealed ${revealed === 1 ? "interaction" : "interactions"}`;
    return h(
      "div",
      { class: "alpha-bar alpha-session", "data-testid": "session-agreement" },
      h("h3", { class: "alpha-heading", text: "Agreement across the session" }),
      h(
        "ul",
        { class: "alpha-levels" },
        levels.map(([level, block]) =>
          h(
            "li",
            {},
            fillAlphaLine(h("span"), block, {
              label: levelName(level),
              title: `Krippendorff's alpha over every ${level} criterion of the ${over}: each interaction × criterion is a unit, each reviewer a rater.`,
            }),
          ),
        ),
      ),
      alphaHelp(),
    );
  }

  // --- the rail: facilitator controls, people, action items -----------------------------

  const fac = buildFacilitator();

  function buildFacilitator() {
    const card = els.facilitator;
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

    start.addEventListener("click", () => act(start, "start", {}));
    revealItem.addEventListener("click", () => {
      if (active !== "all") act(revealItem, "reveal", { item: active, policy });
    });
    revealAll.addEventListener("click", () => act(revealAll, "reveal", { policy }));
    close.addEventListener("click", () => {
      if (window.confirm("Close the session? It becomes read-only: no more consensus or action items.")) {
        act(close, "close", {});
      }
    });
    return { card, hint, start, revealGroup, revealItem, revealAll, missing, policySelect, closeGroup, close };
  }

  async function act(button, type, payload) {
    button.disabled = true;
    try {
      await live.request(type, payload);
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      button.disabled = false;
      renderRail();
    }
  }

  function renderFacilitator() {
    fac.card.hidden = !snap.me.is_facilitator;
    if (!snap.me.is_facilitator) return;
    const status = snap.session.status;
    const unrevealed = snap.items.filter((item) => !item.revealed);
    const item = active === "all" ? null : itemById(active);
    fac.start.hidden = status !== "draft";
    fac.revealGroup.hidden = status !== "scoring";
    fac.closeGroup.hidden = status !== "revealed";
    fac.policySelect.value = policy;
    if (status === "draft") {
      fac.hint.textContent = "Reviewers can read the interactions. Open scoring when everyone is here.";
    } else if (status === "scoring") {
      fac.hint.textContent = `${unrevealed.length} of ${snap.items.length} interactions still hidden.`;
    } else if (status === "revealed") {
      fac.hint.textContent = "Everything is revealed. Record the consensus and action items, then close the session.";
    } else {
      fac.hint.textContent = "The session is closed.";
    }
    if (status === "scoring") {
      const scorers = snap.participants.filter((p) => p.scores);
      if (item && !item.revealed) {
        const waiting = scorers.filter((p) => !p.submitted.includes(item.id)).map((p) => p.name);
        fac.missing.textContent = waiting.length
          ? `Not submitted yet (${itemName(item.id)}): ${waiting.join(", ")}`
          : `Everyone has submitted ${itemName(item.id)}.`;
        fac.missing.dataset.kind = waiting.length ? "waiting" : "done";
      } else {
        fac.missing.textContent = item ? `${itemName(item.id)} is revealed.` : "Choose an interaction to reveal it on its own.";
        fac.missing.dataset.kind = "";
      }
      fac.revealItem.hidden = !item || item.revealed;
      fac.revealItem.textContent = item ? `Reveal ${itemName(item.id)}` : "Reveal this interaction";
      fac.revealAll.hidden = unrevealed.length === 0;
      fac.revealAll.textContent =
        unrevealed.length === snap.items.length ? "Reveal all interactions" : `Reveal the other ${unrevealed.length}`;
      if (unrevealed.length === 1 && item && !item.revealed) fac.revealAll.hidden = true;
    }
  }

  function renderPeople() {
    const status = snap.session.status;
    const me = snap.me;
    const now = Date.now();
    const canNudge = (p) =>
      me.is_facilitator &&
      status === "scoring" &&
      p.scores &&
      p.id !== me.participant &&
      (active === "all"
        ? snap.items.some((item) => !item.revealed && !p.submitted.includes(item.id))
        : !itemById(active)?.revealed && !p.submitted.includes(active));
    const data = {
      p: snap.participants,
      items: snap.items.map((i) => i.id),
      status,
      active,
      nudged: [...nudgedAt].filter(([, at]) => now - at < NUDGE_COOLDOWN_MS).map(([id]) => id),
    };
    if (!changed("people", data)) return;
    const focusedNudge = document.activeElement?.closest?.('[data-testid="nudge"]')?.dataset.participantId;
    const rows = snap.participants.map((p) => {
      const marks = p.scores
        ? h(
            "span",
            { class: "sub-marks", "aria-label": `Submitted ${p.submitted.length} of ${snap.items.length}` },
            snap.items.map((item) =>
              h("span", {
                class: `sub-mark${p.submitted.includes(item.id) ? " is-done" : ""}${item.id === active ? " is-active" : ""}`,
                title: `${itemName(item.id)}: ${p.submitted.includes(item.id) ? "submitted" : "not submitted"}`,
                text: itemLabels.get(item.id)?.number ?? "",
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
    els.people.replaceChildren(...rows);
    if (focusedNudge) els.people.querySelector(`[data-testid="nudge"][data-participant-id="${focusedNudge}"]`)?.focus();
  }

  async function sendNudge(participant, button) {
    button.disabled = true;
    try {
      await live.request("nudge", { participant: participant.id });
      nudgedAt.set(participant.id, Date.now());
      toast(`Nudge sent to ${participant.name}.`);
      setTimeout(renderPeople, NUDGE_COOLDOWN_MS + 100);
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
    renderPeople();
  }

  function renderActions() {
    const facilitator = snap.me.is_facilitator;
    const list = snap.action_items;
    els.actionsCard.hidden = !facilitator && !list.length;
    els.actionForm.hidden = !facilitator || isClosed();
    if (facilitator) renderOwnerChoices();
    if (!changed("actions", { list, facilitator, closed: isClosed() })) return;
    if (!list.length) {
      els.actions.replaceChildren(h("li", { class: "muted actions-empty", text: "No action items yet." }));
      return;
    }
    els.actions.replaceChildren(
      ...list.map((action) => {
        let remove = null;
        if (facilitator && !isClosed()) {
          remove = h("button", { type: "button", class: "btn btn-ghost btn-small icon-btn", "data-testid": "action-remove", "aria-label": `Remove action item: ${action.text}` }, "×");
          remove.addEventListener("click", () => act(remove, "action.remove", { id: action.id }));
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
    const people = [...snap.participants]
      .filter((p) => p.user_id !== undefined && p.user_id !== null)
      .sort((a, b) => (a.full_name || a.name).localeCompare(b.full_name || b.name));
    if (!changed("owners", people.map((p) => [p.user_id, p.full_name]))) return;
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

  function renderRail() {
    renderFacilitator();
    renderPeople();
    renderActions();
  }

  // --- banner: closed session or a connection that cannot come back ---------------------

  let fatal = "";
  function renderBanner() {
    const banner = els.banner;
    banner.replaceChildren();
    banner.className = "live-banner";
    if (fatal) {
      banner.classList.add("live-banner-danger");
      banner.append(h("strong", { text: fatal }));
      if (fatal.includes("logged out")) {
        banner.append(" ", h("a", { href: rootElement.dataset.loginUrl, text: "Log in" }));
      }
      banner.hidden = false;
    } else if (isClosed()) {
      banner.classList.add("live-banner-info");
      banner.dataset.testid = "closed-notice";
      banner.append(
        h("strong", { text: "This session is closed." }),
        " ",
        h("a", { href: rootElement.dataset.summaryUrl, text: "Read the summary →" }),
      );
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  // --- wiring -----------------------------------------------------------------------------

  function renderAll() {
    renderTabs();
    renderHeader();
    renderWork();
    renderRail();
    renderBanner();
  }

  live.addEventListener("snapshot", (event) => {
    snap = event.detail.snapshot;
    for (const item of snap.items) if (item.revealed) live.dropHeld(item.id);
    renderAll();
  });
  live.addEventListener("outbox", () => {
    if (work.mode === "score") updateScorecard();
  });
  live.addEventListener("state", () => {
    if (work.mode === "score") updateScorecard();
  });
  live.addEventListener("scoreerror", (event) => {
    const criterion = criterionById(event.detail.criterion);
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

  // Leaving the page: a comment still waiting for its debounce goes to the outbox (and so to
  // localStorage) rather than being lost.
  window.addEventListener("pagehide", () => {
    for (const [key, timer] of commentTimers) {
      clearTimeout(timer);
      commentTimers.delete(key);
      const [itemId, criterionId] = key.split(":").map(Number);
      const ref = work.refs?.get(criterionId);
      if (ref && work.itemId === itemId && canEditScores()) {
        const shown = shownScore(itemId, criterionId);
        live.saveScore(itemId, criterionId, { value: shown.value, na: shown.na, comment: ref.comment.value });
      }
    }
  });

  this.start = () => {
    const hash = window.location.hash;
    let initial = active;
    if (hash === "#all" && snap.items.some((item) => item.revealed)) initial = "all";
    else if (hash.startsWith("#item-") && itemById(hash.slice(6))) initial = Number(hash.slice(6));
    renderTabs();
    select(initial, { updateHash: false });
    renderBanner();
    live.connect();
  };
}
