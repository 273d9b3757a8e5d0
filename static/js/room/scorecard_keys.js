// Keys inside the scorecard: 1–9 rate, 0/N N/A, ↑/↓ move between criteria, ←/→ between answers,
// C comments, L opens or closes the calibration notes, F flags the criterion to discuss, Esc
// leaves a comment.

/**
 * Whether a rating button shows its key beside its label: a numeric scale's label already
 * starts with the key ("1 · Poor"), and saying it twice reads as "1 | 1 · Poor".
 */
export function showsKey(index, label) {
  if (index >= 9) return false; // only 1–9 are keys
  const key = String(index + 1);
  return !(label === key || String(label).startsWith(`${key} `));
}

/**
 * @param {HTMLElement} container      the work column
 * @param {() => Map|undefined} getRefs  the shown scorecard's criteria (criterion id -> ref),
 *                                       undefined while the column shows something else
 */
export function bindScorecardKeys(container, getRefs) {
  container.addEventListener("keydown", (event) => {
    const refs = getRefs();
    if (!refs || event.altKey || event.ctrlKey || event.metaKey) return;
    const critEl = event.target.closest?.('[data-testid="criterion"]');
    if (!critEl) return;
    const ref = refs.get(Number(critEl.dataset.criterionId));
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
    } else if ((key === "f" || key === "F") && ref.flag && !ref.flag.el.hidden && !ref.flag.el.disabled) {
      event.preventDefault();
      ref.flag.el.click();
    } else if ((key === "l" || key === "L") && ref.notes) {
      event.preventDefault();
      ref.notes.open = !ref.notes.open;
    } else if (key === "ArrowDown" || key === "ArrowUp") {
      const list = [...refs.values()];
      const next = list[list.indexOf(ref) + (key === "ArrowDown" ? 1 : -1)];
      event.preventDefault();
      if (next) focusGroup(next);
    } else if ((key === "ArrowRight" || key === "ArrowLeft") && all.includes(event.target)) {
      event.preventDefault();
      const index = all.indexOf(event.target);
      all[(index + (key === "ArrowRight" ? 1 : -1) + all.length) % all.length].focus();
    }
  });
}
