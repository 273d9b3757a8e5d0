// Small page behaviours shared by every page. No inline scripts: CSP-friendly.

// Team switcher and role selects: submit the form when a value is picked. Picking with the
// mouse (or a script) submits at once. With the keyboard, arrow keys and typing only move
// through the options (browsers fire "change" on each step of a closed select); the choice is
// submitted with Enter, or when focus leaves the select with a new value.
const STEP_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  let submitted = select.value;
  let stepping = false;
  const submit = () => {
    if (select.value === submitted) return;
    submitted = select.value;
    select.form.requestSubmit();
  };
  select.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && stepping) {
      select.value = submitted;
      stepping = false;
    } else if (event.key === " " || event.key === "F4" || event.altKey) {
      stepping = false; // opens the list: picking from it is a choice
    } else if (STEP_KEYS.has(event.key) || (event.key.length === 1 && !event.ctrlKey && !event.metaKey)) {
      stepping = true;
    }
  });
  select.addEventListener("pointerdown", () => { stepping = false; });
  select.addEventListener("change", () => { if (!stepping) submit(); });
  select.addEventListener("blur", () => {
    if (stepping) {
      stepping = false;
      submit();
    }
  });
}

// Buttons that ask before a destructive action: <button data-confirm="Retire this criterion?">
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button?.dataset.confirm || event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Copy-to-clipboard buttons: <button data-copy="text">
for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      const original = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => (button.textContent = original), 1500);
    } catch {
      window.prompt("Copy this:", button.dataset.copy);
    }
  });
}
