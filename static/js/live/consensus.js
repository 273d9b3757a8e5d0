// The consensus of one criterion for one interaction, in the room's reveal and in present mode.

import { h, uniqueId } from "./dom.js";
import { isDecided, ratingChip } from "./ratings.js";

/**
 * The agreed rating of one criterion for one interaction: what everyone sees, and for the
 * facilitator an editor (choice + note + Save) sent as `consensus.save`. A snapshot never
 * overwrites what the facilitator is typing.
 */
export class ConsensusBlock {
  constructor({ live, itemId, criterion, large = false }) {
    this.live = live;
    this.itemId = Number(itemId);
    this.criterion = criterion;
    this.dirty = false;
    this.current = null;
    this.display = h("div", { class: "consensus-display", "data-testid": "consensus-display", "aria-live": "polite" });
    this.el = h("div", { class: `consensus${large ? " consensus-large" : ""}` }, this.display);
    this.form = null;
  }

  #buildEditor() {
    const selectId = uniqueId("consensus-value");
    const noteId = uniqueId("consensus-note");
    this.select = h("select", { id: selectId, "data-testid": "consensus-value" });
    this.select.append(h("option", { value: "", text: "Not decided yet" }));
    for (const [code, label] of this.criterion.choices) {
      this.select.append(h("option", { value: String(code), text: label }));
    }
    if (this.criterion.na_allowed) this.select.append(h("option", { value: "na", text: "N/A" }));
    this.note = h("textarea", {
      id: noteId,
      rows: "2",
      maxlength: "5000",
      placeholder: "How to read this criterion from now on…",
      "data-testid": "consensus-note",
    });
    this.status = h("span", { class: "save-note", "aria-live": "polite" });
    this.saveButton = h("button", { type: "submit", class: "btn btn-primary btn-small", "data-testid": "consensus-save" }, "Save consensus");
    const markDirty = () => {
      this.dirty = true;
      this.status.textContent = "Not saved yet";
      this.status.dataset.kind = "pending";
    };
    this.select.addEventListener("change", markDirty);
    this.note.addEventListener("input", markDirty);
    this.form = h(
      "form",
      { class: "consensus-form" },
      h("div", { class: "consensus-field" }, h("label", { for: selectId, text: "Agreed rating" }), this.select),
      h("div", { class: "consensus-field consensus-field-note" }, h("label", { for: noteId, text: "Note for the team" }), this.note),
      h("div", { class: "consensus-actions" }, this.saveButton, this.status),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    // Ctrl/Cmd+Enter in the note saves too.
    this.note.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.save();
      }
    });
    this.el.append(this.form);
  }

  async save() {
    const raw = this.select.value;
    const payload = {
      item: this.itemId,
      criterion: this.criterion.id,
      value: raw === "" || raw === "na" ? null : Number(raw),
      na: raw === "na",
      note: this.note.value,
    };
    this.saveButton.disabled = true;
    this.status.textContent = "Saving…";
    this.status.dataset.kind = "pending";
    try {
      await this.live.request("consensus.save", payload);
      this.dirty = false;
      this.status.textContent = "Saved";
      this.status.dataset.kind = "ok";
    } catch (error) {
      this.status.textContent = error.message;
      this.status.dataset.kind = "error";
    } finally {
      this.saveButton.disabled = false;
    }
  }

  /** consensus: {value, na, note} or undefined; editable: show the editor. */
  update(consensus, { editable }) {
    const decided = isDecided(consensus);
    this.display.replaceChildren();
    this.display.classList.toggle("is-decided", Boolean(decided));
    if (decided) {
      this.display.append(
        h("span", { class: "consensus-label", text: "Agreed: " }),
        ratingChip(this.criterion, consensus.value, consensus.na, " chip-strong"),
      );
    } else {
      this.display.append(h("span", { class: "consensus-label", text: consensus?.note ? "Still deciding. " : "No consensus recorded yet." }));
    }
    if (consensus?.note) this.display.append(h("p", { class: "consensus-note", text: consensus.note }));

    if (editable && !this.form) this.#buildEditor();
    if (this.form) this.form.hidden = !editable;
    if (this.form && !this.dirty) {
      this.select.value = !consensus ? "" : consensus.na ? "na" : consensus.value === null ? "" : String(consensus.value);
      if (document.activeElement !== this.note) this.note.value = consensus?.note || "";
    }
  }
}
