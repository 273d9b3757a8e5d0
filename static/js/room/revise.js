// "Revise my rating": after the reveal a reviewer may change their mind. The form starts at
// their rating now (the last revision, else the blind one); closing it drops an unsaved change,
// and a snapshot never resets it while it is open or changed.

import { h, uniqueId } from "../live/dom.js";
import { currentRating } from "../live/ratings.js";

/** The select's value for a rating: a code, "na", or "" when there is none. */
export function choiceValue(rating) {
  if (rating.na) return "na";
  return rating.value === null || rating.value === undefined ? "" : String(rating.value);
}

export function createRevise({ live, itemId, criterion }) {
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
  let dirty = false;
  let mine = null; // the viewer's revealed rating entry

  function reset() {
    if (!mine) return;
    const value = choiceValue(currentRating(mine));
    for (const option of select.options) option.defaultSelected = option.value === value;
    select.value = value;
    comment.value = "";
  }

  const markDirty = () => (dirty = true);
  // Opening the form always starts from the current rating; closing it drops an unsaved change.
  root.addEventListener("toggle", () => {
    if (root.open) {
      if (!dirty) reset();
    } else if (!button.disabled) {
      dirty = false;
      reset();
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
      dirty = false;
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

  return {
    root,
    /** Shows the form for the viewer's rating `entry` (reset unless open or changed). */
    show(entry) {
      root.hidden = false;
      mine = entry;
      if (!dirty && !root.open) reset();
    },
    hide() {
      root.hidden = true;
    },
  };
}
