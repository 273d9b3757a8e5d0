// Blind scoring of one interaction: the viewer's scorecard, built once per interaction and then
// updated in place (so focus and typing survive every snapshot). Ratings go through the
// LiveSession outbox; comments are debounced, and a comment still waiting when the page is left
// goes to the outbox (and so to localStorage) rather than being lost.

import { h, toast, uniqueId } from "../live/dom.js";
import { createFlagToggle, flagInfo } from "./flags.js";
import { notesBlock } from "./notes.js";
import { bindScorecardKeys, showsKey } from "./scorecard_keys.js";
import { isRated } from "./state.js";

const COMMENT_DEBOUNCE_MS = 600;

/** What the save-state note of one criterion says: [text, kind]. */
export function saveState({ error, score, online }) {
  if (error) return [error, "error"];
  if (score.pending && !score.sendable) return ["Pick a rating to save the comment", "pending"];
  if (score.pending) return [online ? "Saving…" : "Saving… (waiting for connection)", "pending"];
  if (score.saved && isRated(score)) return ["Saved", "ok"];
  return ["", ""];
}

/** The note beside the submit button while the interaction is not submitted: [text, kind]. */
export function missingNote(status, missing) {
  if (status === "draft") return ["Scoring has not started yet.", ""];
  if (missing.length) {
    return [missing.length > 3 ? `${missing.length} criteria still to rate.` : `Still to rate: ${missing.join(", ")}.`, "missing"];
  }
  return ["Every criterion is rated. Submit when you are ready.", "ready"];
}

/**
 * @param {RoomState} state
 * @param {HTMLElement} container  the work column
 */
export function createScorecard(state, container) {
  const { live } = state;
  const commentTimers = new Map(); // "item:criterion" -> timeout id
  let current = null; // {itemId, refs, notice, submitButton, submitNote} while shown
  let submitting = false;

  function build(item) {
    const refs = new Map();
    const body = h("div", { class: "ls-groups" });
    let group = null;
    let groupName = null;
    for (const criterion of state.snap.criteria) {
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
    container.replaceChildren(
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
          h("kbd", {}, "C"), " comment · ",
          h("kbd", {}, "L"), " notes · ",
          h("kbd", {}, "F"), " flag to discuss",
        ),
      ),
      notice,
      body,
      h("div", { class: "submit-bar" }, h("div", { class: "submit-text" }, submitNote), submitButton),
    );
    current = { itemId: item.id, refs, notice, submitButton, submitNote };
  }

  function buildCriterion(itemId, criterion) {
    const nameId = uniqueId("crit");
    const commentId = uniqueId("comment");
    const stateNote = h("span", { class: "save-state", "data-testid": "save-state", "aria-live": "polite" });
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
        showsKey(index, label) ? h("span", { class: "opt-key", "aria-hidden": "true", text: String(index + 1) }) : null,
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
    const notes = notesBlock(criterion); // earlier sessions' calibration notes, collapsed
    // Before the reveal too: a wish to discuss, never the rating.
    const flag = createFlagToggle({ live, itemId, criterionId: criterion.id, compact: true });
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
    const root = h(
      "div",
      { class: "ls-crit", "data-testid": "criterion", dataset: { criterionId: criterion.id } },
      h(
        "div",
        { class: "ls-crit-head" },
        h("h4", { id: nameId, class: "ls-name", text: criterion.name }),
        criterion.critical ? h("span", { class: "badge badge-danger", text: "Critical" }) : null,
        h("span", { class: "ls-scale", text: criterion.scale }),
        // The save state and the flag keep together at the right, wrapping as one.
        h("span", { class: "ls-crit-tools" }, stateNote, flag.el),
      ),
      criterion.description ? h("p", { class: "ls-desc", text: criterion.description }) : null,
      guidance,
      notes,
      group,
      h("label", { class: "visually-hidden", for: commentId, text: `Comment on ${criterion.name}` }),
      comment,
    );
    return { root, criterion, options, na, comment, state: stateNote, group, notes, flag };
  }

  function choose(itemId, criterion, value, na) {
    if (!state.canEditScores() || current?.itemId !== itemId) return;
    const ref = current.refs.get(criterion.id);
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
    if (!state.canEditScores()) return;
    const shown = state.shownScore(itemId, criterion.id);
    if ((shown.comment || "") === textarea.value) return;
    live.saveScore(itemId, criterion.id, { value: shown.value, na: shown.na, comment: textarea.value });
  }

  function update() {
    const item = current && state.itemById(current.itemId);
    if (!item) return;
    const { snap } = state;
    const editable = state.canEditScores() && !item.revealed;
    const status = snap.session.status;
    const missing = [];
    for (const ref of current.refs.values()) {
      const { criterion } = ref;
      const score = state.shownScore(item.id, criterion.id);
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
      const [text, kind] = saveState({ error: live.scoreError(item.id, criterion.id), score, online: live.state === "online" });
      ref.state.textContent = text;
      ref.state.dataset.kind = kind;
      ref.flag.update(flagInfo(snap, item.id, criterion.id), { enabled: snap.me.can_score && status !== "closed" });
    }
    const submitted = snap.me.submitted.includes(item.id);
    const { submitButton: button, submitNote: note, notice } = current;
    notice.hidden = status === "scoring";
    if (status === "draft") {
      notice.textContent = "Scoring opens when the facilitator starts it. Read the interaction in the meantime.";
    } else if (status === "closed") {
      notice.textContent = "This session is closed.";
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
      const [text, kind] = missingNote(status, missing);
      note.textContent = text;
      note.dataset.kind = kind;
      if (status !== "draft" && missing.length) note.title = missing.join(", ");
    }
    const mark = item.submitted === item.total ? " Everyone has submitted." : "";
    button.title = `${item.submitted} of ${item.total} submitted.${mark}`;
  }

  async function submit(itemId) {
    if (submitting) return;
    // A comment being typed goes first: frames are handled in order on the server.
    for (const ref of current?.refs.values() || []) flushComment(itemId, ref.criterion, ref.comment);
    submitting = true;
    update();
    try {
      await live.request("submit", { item: itemId });
    } catch (error) {
      toast(error.message, { kind: "error" });
    } finally {
      submitting = false;
      update();
    }
  }

  bindScorecardKeys(container, () => current?.refs);

  // Leaving the page: a comment still waiting for its debounce goes to the outbox (and so to
  // localStorage) rather than being lost.
  window.addEventListener("pagehide", () => {
    for (const [key, timer] of commentTimers) {
      clearTimeout(timer);
      commentTimers.delete(key);
      const [itemId, criterionId] = key.split(":").map(Number);
      const ref = current?.refs.get(criterionId);
      if (ref && current.itemId === itemId && state.canEditScores()) {
        const shown = state.shownScore(itemId, criterionId);
        live.saveScore(itemId, criterionId, { value: shown.value, na: shown.na, comment: ref.comment.value });
      }
    }
  });

  return {
    build,
    update,
    /** The work column now shows something else. */
    detach() {
      current = null;
    },
  };
}
