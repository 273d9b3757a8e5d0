// Small page behaviours shared by every page. No inline scripts: CSP-friendly.

// Team switcher and filters: submit the form when the select changes.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.requestSubmit());
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
