// The criterion review room: each criterion (and each proposed one) in turn, the viewer's own
// blind answer saved as they type, the evidence beside it, the reveal, and the facilitator's
// decisions. Drawn from the snapshot the server sends this viewer (first embedded in the page,
// then over /ws/reviews/<id>/ after every change). Unsent answers live in the AnswerOutbox and
// win over the snapshot until the server acknowledges them.

import { bindConnectionPill, fillBanner } from "./live/connection.js";
import { fill, h, readJsonScript, toast } from "./live/dom.js";
import { LiveSession } from "./live/session.js";
import { AnswerOutbox } from "./review/answers.js";
import { decisionForm } from "./review/decision.js";
import { CHOICES, PROPOSALS, answersList, criterionText, decisionLine, evidencePanel, itemTitle, talliesBlock } from "./review/render.js";

const root = document.getElementById("review-room");
if (root) start(root);

function start(rootElement) {
  const $ = (selector) => rootElement.querySelector(selector);
  const els = {
    status: $("[data-status]"),
    pill: $('[data-testid="conn-state"]'),
    banner: $("[data-banner]"),
    nav: $("[data-items]"),
    panel: $("[data-panel]"),
    facilitator: $("[data-facilitator]"),
    people: $("[data-people]"),
    propose: $("[data-propose]"),
  };
  let snap = readJsonScript("initial-snapshot");
  const sessionId = Number(rootElement.dataset.sessionId);
  const live = new LiveSession({
    sessionId,
    userKey: rootElement.dataset.userKey,
    url: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws/reviews/${sessionId}/`,
    probeUrl: window.location.pathname,
    loginPath: rootElement.dataset.loginPath,
  });
  const outbox = new AnswerOutbox({ live, sessionId, userKey: rootElement.dataset.userKey });
  let selected = Number(window.location.hash.slice(1)) || snap.focus;
  let lastFocus = snap.focus;
  let panelKey = "";
  let fatal = "";

  const item = () => snap.items.find((entry) => entry.id === selected) || snap.items[0];
  const inProgress = () => snap.session.status === "scoring" || snap.session.status === "revealed";
  const isClosed = () => snap.session.status === "closed";

  async function act(type, payload = {}, success = "") {
    try {
      const answer = await live.request(type, payload);
      if (success) toast(success);
      return answer;
    } catch (error) {
      toast(error.message, { kind: "error", timeout: 9000 });
      return null;
    }
  }

  // --- the list of items --------------------------------------------------------------

  function renderNav() {
    fill(
      els.nav,
      snap.items.map((entry) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: `review-nav-item${entry.id === item().id ? " is-selected" : ""}${entry.id === snap.focus ? " is-focus" : ""}`,
              "aria-current": entry.id === item().id ? "true" : null,
              dataset: { testid: "review-item", itemId: entry.id },
              onclick: () => select(entry.id),
            },
            h("span", { class: "review-nav-num", text: entry.number }),
            h("span", { class: "review-nav-name", text: itemTitle(entry) }),
            h(
              "span",
              { class: "review-nav-marks" },
              entry.id === snap.focus ? h("span", { class: "badge", text: "Now" }) : null,
              snap.me.can_answer && !entry.revealed && answered(entry) ? h("span", { class: "badge badge-success", text: "You answered" }) : null,
              entry.decision
                ? h("span", { class: `badge review-decided-${entry.decision.decision}`, text: entry.decision.label })
                : entry.revealed
                  ? h("span", { class: "badge", text: "Revealed" })
                  : h("span", { class: "muted", text: `${entry.answered}/${entry.total}` }),
            ),
          ),
        ),
      ),
    );
  }

  /** Whether the viewer's own answer on an item has the three questions and a proposal. */
  function answered(entry) {
    const answer = mine(entry);
    return ["relevant", "trending", "mistakes", "proposal"].every((name) => Boolean(answer[name]));
  }

  function select(id, { focus = true } = {}) {
    selected = id;
    history.replaceState(null, "", `#${id}`);
    renderNav();
    renderPanel();
    if (focus) els.panel.focus({ preventScroll: true });
    if (snap.me.is_facilitator && inProgress() && id !== snap.focus) act("focus", { item: id });
  }

  // --- the selected item --------------------------------------------------------------

  function renderPanel() {
    const current = item();
    if (!current) {
      fill(els.panel, h("p", { class: "muted", text: "Nothing to review." }));
      return;
    }
    // Rebuilt only when what it shows changes, never under the viewer's typing.
    const key = JSON.stringify([current.id, current.revealed, snap.session.status, current.decision, current.evidence ? 1 : 0]);
    const progress = els.panel.querySelector('[data-testid="review-progress"]');
    if (progress) progress.textContent = `${current.answered} of ${current.total} answered`;
    if (key === panelKey) return;
    panelKey = key;
    const parts = [
      h("p", { class: "muted", text: `${current.kind === "proposal" ? "Proposal" : "Criterion"} ${current.number} of ${snap.items.length}` }),
      h("h2", { class: "review-title", dataset: { testid: "review-title" }, text: itemTitle(current) }),
      h("div", { class: "review-columns" }, h("div", {}, criterionText(current), workBlock(current)), evidencePanel(current)),
    ];
    fill(els.panel, parts);
  }

  function workBlock(current) {
    const blocks = [];
    if (!current.revealed) {
      blocks.push(h("p", { class: "review-progress", dataset: { testid: "review-progress" }, text: `${current.answered} of ${current.total} answered` }));
      if (snap.me.can_answer && inProgress()) blocks.push(answerForm(current));
      else if (snap.me.can_answer && !isClosed()) blocks.push(h("p", { class: "muted", text: "The facilitator has not started the review yet." }));
      else if (!snap.me.can_answer) blocks.push(h("p", { class: "muted", text: "Answers stay hidden until you reveal this criterion, yours included of everyone's." }));
      if (snap.me.is_facilitator && inProgress()) {
        blocks.push(h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "review-reveal" }, onclick: () => act("reveal", { item: current.id }) }, "Reveal the answers"));
      }
    } else {
      blocks.push(talliesBlock(snap, current), answersList(current));
      blocks.push(decisionLine(current));
      if (snap.me.is_facilitator && inProgress()) blocks.push(decisionForm(current, { onSubmit: (payload) => act("decide", payload, "Decision recorded.") }));
    }
    return h("div", { class: "review-work" }, blocks);
  }

  function mine(current) {
    return outbox.merged(current.id, snap.my_answers[String(current.id)]) || {};
  }

  function radios(name, label, choices, value, onChange) {
    return h(
      "fieldset",
      { class: "review-question", dataset: { testid: `question-${name}` } },
      h("legend", { text: label }),
      choices.map(([choice, text]) =>
        h(
          "label",
          { class: "review-choice" },
          h("input", { type: "radio", name: `${name}-${selected}`, value: choice, checked: value === choice, dataset: { testid: `${name}-${choice}` }, onchange: onChange }),
          ` ${text}`,
        ),
      ),
    );
  }

  function answerForm(current) {
    const answer = mine(current);
    const status = h("p", { class: "review-save-state muted", role: "status", dataset: { testid: "answer-state" } });
    const form = h("form", { class: "review-answer-form", dataset: { testid: "answer-form" }, onsubmit: (event) => event.preventDefault() });
    const field = (name) => form.querySelector(`[data-field="${name}"]`);
    const checked = (name) => form.querySelector(`input[name="${name}-${selected}"]:checked`)?.value || "";
    const changeBox = h("div", { class: "review-change", hidden: answer.proposal !== "change" });
    let timer = null;
    const save = () => {
      clearTimeout(timer);
      const critical = field("new_critical").value;
      outbox.save(current.id, {
        relevant: checked("relevant"),
        trending: checked("trending"),
        mistakes: checked("mistakes"),
        proposal: checked("proposal"),
        new_wording: field("new_wording").value,
        new_guidance: field("new_guidance").value,
        new_scale: field("new_scale").value,
        new_weight: field("new_weight").value,
        new_critical: critical === "" ? null : critical === "yes",
        comment: field("comment").value,
      });
      changeBox.hidden = checked("proposal") !== "change";
    };
    const typed = () => {
      clearTimeout(timer);
      status.textContent = "Typing…";
      timer = setTimeout(save, 350);
    };
    const text = (name, label, multi = false, attrs = {}) => {
      const id = `${name}-${current.id}`;
      return h(
        "div",
        { class: "field" },
        h("label", { for: id, text: label }),
        h(multi ? "textarea" : "input", { id, rows: multi ? 2 : null, type: multi ? null : "text", dataset: { field: name, testid: `answer-${name}` }, oninput: typed, ...attrs }),
      );
    };
    for (const question of snap.questions) form.append(radios(question.name, question.text, CHOICES, answer[question.name] || "", save));
    form.append(radios("proposal", "What do you propose?", PROPOSALS, answer.proposal || "", save));
    changeBox.append(
      text("new_wording", "New wording (optional)", true),
      text("new_guidance", "New guidance (optional)", true),
      text("new_scale", "New scale (optional)", false, { maxlength: 200, placeholder: "e.g. Pass / fail" }),
      text("new_weight", "New weight (optional)", false, { maxlength: 20, inputmode: "decimal" }),
      h(
        "div",
        { class: "field" },
        h("label", { for: `new_critical-${current.id}`, text: "Critical (optional)" }),
        h(
          "select",
          { id: `new_critical-${current.id}`, dataset: { field: "new_critical", testid: "answer-new_critical" }, onchange: save },
          h("option", { value: "", text: "No opinion" }),
          h("option", { value: "yes", text: "Make it critical" }),
          h("option", { value: "no", text: "Not critical" }),
        ),
      ),
    );
    form.append(changeBox, text("comment", "Comment (optional)", true), status);
    for (const name of ["new_wording", "new_guidance", "new_scale", "new_weight", "comment"]) field(name).value = answer[name] || "";
    field("new_critical").value = answer.new_critical === true ? "yes" : answer.new_critical === false ? "no" : "";
    renderSaveState(status, current.id);
    return form;
  }

  function renderSaveState(status, id) {
    const error = outbox.error(id);
    if (error) {
      status.textContent = `Not saved: ${error}`;
      status.classList.add("is-error");
    } else if (outbox.pending(id)) {
      status.textContent = live.state === "online" ? "Saving…" : "Kept on this device; sent when the connection is back.";
      status.classList.remove("is-error");
    } else if (outbox.isSaved(id, snap.my_answers[String(id)])) {
      status.textContent = "Saved. Only you see your answer until the facilitator reveals it.";
      status.classList.remove("is-error");
    } else {
      status.textContent = "Only you see your answer until the facilitator reveals it.";
    }
  }

  // --- the rail -----------------------------------------------------------------------

  function renderFacilitator() {
    els.facilitator.hidden = !snap.me.is_facilitator;
    if (!snap.me.is_facilitator) return;
    const status = snap.session.status;
    const total = snap.items.length;
    fill(
      els.facilitator,
      h("h2", { class: "rail-heading", text: "Facilitator" }),
      status === "draft"
        ? [
            h("p", { class: "muted", text: "Participants can join and read the criteria; answering starts when you start the review." }),
            h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "review-start" }, onclick: () => act("start") }, "Start the review"),
          ]
        : null,
      inProgress()
        ? [
            h("p", { dataset: { testid: "decided-count" }, text: `${snap.decided} of ${total} decided` }),
            h("button", { type: "button", class: "btn", dataset: { testid: "review-close" }, onclick: closeReview }, "Close and write the new version"),
          ]
        : null,
    );
  }

  async function closeReview() {
    const undecided = snap.items.length - snap.decided;
    let confirmed = false;
    if (undecided) {
      confirmed = window.confirm(`${undecided} ${undecided === 1 ? "item is" : "items are"} still undecided: they stay as they are (proposals are not added). Close the review anyway?`);
      if (!confirmed) return;
    }
    const answer = await act("close", { confirm_undecided: confirmed });
    if (answer) window.location.assign(rootElement.dataset.summaryUrl);
  }

  function renderPeople() {
    fill(
      els.people,
      snap.participants.map((person) =>
        h(
          "li",
          { class: `person${person.online ? " is-online" : ""}`, dataset: { testid: "presence", online: String(person.online) } },
          h("span", { class: `dot${person.online ? " is-online" : ""}`, title: person.online ? "Online" : "Not connected" }),
          h("span", { class: "visually-hidden", text: person.online ? "online: " : "offline: " }),
          h("span", { class: "person-name", text: person.name }),
          person.role === "facilitator" ? h("span", { class: "muted", text: "facilitator" }) : null,
        ),
      ),
    );
  }

  function renderPropose() {
    els.propose.hidden = !inProgress();
  }
  els.propose.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const value = (name) => form.querySelector(`[name="${name}"]`).value;
    const answer = await act("propose", {
      name: value("name"),
      description: value("description"),
      guidance_right: value("guidance_right"),
      guidance_wrong: value("guidance_wrong"),
      scale: value("scale"),
    }, "Criterion proposed: the group reviews it like the others.");
    if (answer) {
      form.reset();
      els.propose.querySelector("details").open = false;
    }
  });

  function renderBanner() {
    fillBanner(els.banner, { fatal, closed: isClosed(), rootElement });
  }

  function renderAll() {
    els.status.textContent = snap.session.status_label;
    els.status.className = `badge live-status badge-status-${snap.session.status}`;
    renderNav();
    renderPanel();
    renderFacilitator();
    renderPeople();
    renderPropose();
    renderBanner();
  }

  live.addEventListener("snapshot", (event) => {
    snap = event.detail.snapshot;
    outbox.dropWhere((id) => isClosed() || snap.items.find((entry) => entry.id === id)?.revealed);
    if (snap.focus !== lastFocus) {
      lastFocus = snap.focus;
      // Everyone follows the facilitator to the criterion under discussion, except someone in
      // the middle of typing an answer: they are told, and the list shows where "Now" is.
      const typing = els.panel.contains(document.activeElement) && document.activeElement.matches("textarea, input[type=\"text\"]");
      const target = snap.items.find((entry) => entry.id === snap.focus);
      if (snap.focus && !typing) selected = snap.focus;
      else if (target && target.id !== selected) toast(`The facilitator moved on to “${itemTitle(target)}”.`);
    }
    renderAll();
  });
  outbox.addEventListener("change", () => {
    const status = els.panel.querySelector('[data-testid="answer-state"]');
    if (status) renderSaveState(status, item().id);
    renderNav();
  });
  live.addEventListener("servererror", (event) => toast(event.detail.message, { kind: "error" }));
  bindConnectionPill(live, els.pill, {
    onFatal: (message) => {
      fatal = message;
      renderBanner();
    },
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    const index = snap.items.findIndex((entry) => entry.id === item().id);
    if (event.key === "ArrowDown" || event.key === "j") {
      const next = snap.items[index + 1];
      if (next) select(next.id);
    } else if (event.key === "ArrowUp" || event.key === "k") {
      const previous = snap.items[index - 1];
      if (previous) select(previous.id);
    } else if ((event.key === "u" || event.key === "U") && snap.me.is_facilitator) {
      // The next criterion still without a decision, after this one, wrapping round.
      const order = [...snap.items.slice(index + 1), ...snap.items.slice(0, index + 1)];
      const next = order.find((entry) => !entry.decision);
      if (next) select(next.id);
      else toast("Every criterion has a decision.");
    }
  });
  renderAll();
  live.connect();
}
