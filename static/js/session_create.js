// The "New session" page: a filter over the interaction list, a count of what is ticked,
// and the criteria of the chosen scorecard only. Without JavaScript the form still works:
// every list is shown in full.

const form = document.querySelector("form[data-session-create]");

function words(text) {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

// --- filter box over a checkbox list ---------------------------------------------------------

for (const input of form?.querySelectorAll("[data-filter-input]") ?? []) {
  const list = document.getElementById(input.dataset.filterInput);
  if (!list) continue;
  const rows = [...list.querySelectorAll("li")];
  const empty = form.querySelector(`[data-filter-empty="${list.id}"]`);
  const count = form.querySelector(`[data-pick-count="${list.id}"]`);

  const update = () => {
    const terms = words(input.value);
    let shown = 0;
    for (const row of rows) {
      const text = row.dataset.filterText || row.textContent.toLowerCase();
      const match = terms.every((term) => text.includes(term));
      // A ticked interaction stays visible: hiding it would hide part of the choice.
      const ticked = row.querySelector("input:checked") !== null;
      row.hidden = !(match || ticked);
      if (!row.hidden) shown += 1;
    }
    if (empty) empty.hidden = shown > 0;
    if (count) {
      const ticked = list.querySelectorAll("input:checked").length;
      const filtered = terms.length ? ` · ${shown} of ${rows.length} shown` : "";
      count.textContent = `${ticked} ticked${filtered}`;
    }
  };

  input.hidden = false;
  input.addEventListener("input", update);
  input.addEventListener("keydown", (event) => {
    // Enter in the filter box should filter, not submit the whole form.
    if (event.key === "Enter") event.preventDefault();
    if (event.key === "Escape" && input.value) {
      input.value = "";
      update();
    }
  });
  list.addEventListener("change", update);
  update();
}

// --- criteria of the chosen scorecard's current version ----------------------------------------

const scorecard = form?.querySelector("select[name='scorecard']");
const groups = [...(form?.querySelectorAll(".criteria-pick[data-scorecard]") ?? [])];

function latestVersions() {
  const latest = new Map();
  for (const group of groups) {
    const version = Number(group.dataset.version);
    if (!latest.has(group.dataset.scorecard) || latest.get(group.dataset.scorecard) < version) {
      latest.set(group.dataset.scorecard, version);
    }
  }
  return latest;
}

function showCriteriaOfScorecard() {
  const latest = latestVersions();
  const chosen = scorecard?.value || "";
  for (const group of groups) {
    const current = latest.get(group.dataset.scorecard) === Number(group.dataset.version);
    const visible = current && (!chosen || group.dataset.scorecard === chosen);
    group.hidden = !visible;
    // Hidden checkboxes are disabled, so they are not sent with the form.
    for (const box of group.querySelectorAll("input[type='checkbox']")) box.disabled = !visible;
  }
}

for (const group of groups) {
  const actions = group.querySelector("[data-group-actions]");
  if (actions) actions.hidden = false;
  const boxes = () => group.querySelectorAll("input[type='checkbox']");
  group.querySelector("[data-check-all]")?.addEventListener("click", () => {
    for (const box of boxes()) box.checked = true;
  });
  group.querySelector("[data-check-none]")?.addEventListener("click", () => {
    for (const box of boxes()) box.checked = false;
  });
}

if (groups.length) {
  scorecard?.addEventListener("change", showCriteriaOfScorecard);
  showCriteriaOfScorecard();
}
