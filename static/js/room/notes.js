// A criterion's calibration notes beside its guidance while scoring: how earlier sessions agreed
// to read it. Collapsed until opened (click, or `L` in the scorecard: scorecard_keys.js). The
// server sends only notes not superseded, and leaves out an example still to be rated blind here.

import { h } from "../live/dom.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-11-20" -> "20 Nov 2026" (the scorecard page's format); anything else as it is. */
export function noteDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!match) return iso || "";
  return `${Number(match[3])} ${MONTHS[Number(match[2]) - 1]} ${match[1]}`;
}

/** Where a note comes from: its session, date and agreed example (interaction, rating). */
export function noteSource(note) {
  const parts = [`${note.session}, ${noteDate(note.date)}`];
  if (note.interaction) {
    parts.push(`agreed example: ${note.interaction}${note.rating ? ` rated ${note.rating}` : ""}`);
  }
  return parts.join(" · ");
}

/** The collapsed block of a criterion's notes, or null when it has none. */
export function notesBlock(criterion) {
  const notes = criterion.notes || [];
  if (!notes.length) return null;
  return h(
    "details",
    { class: "ls-guidance ls-notes", "data-testid": "criterion-notes" },
    h("summary", {}, `Calibration notes (${notes.length})`),
    h(
      "ol",
      { class: "ls-note-list" },
      notes.map((note) =>
        h(
          "li",
          { class: "ls-note", "data-testid": "criterion-note" },
          h("p", { class: "ls-note-text", text: note.text }),
          h("small", { class: "ls-note-source muted", text: noteSource(note) }),
        ),
      ),
    ),
  );
}
