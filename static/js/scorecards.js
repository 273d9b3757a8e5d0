// Scorecard editor: show only the scale inputs that apply, and drag-and-drop reordering.
// Both are extras: without JavaScript every scale input shows and the ↑ ↓ buttons reorder.

// --- Criterion form: fields marked data-scale-kinds="numeric labels" follow the scale select.
const criterionForm = document.querySelector("form[data-criterion-form]");
if (criterionForm) {
  const kindSelect = criterionForm.querySelector("select[name='scale_kind']");
  const showScaleFields = () => {
    for (const field of criterionForm.querySelectorAll("[data-scale-kinds]")) {
      field.hidden = !field.dataset.scaleKinds.split(" ").includes(kindSelect.value);
    }
  };
  kindSelect.addEventListener("change", showScaleFields);
  showScaleFields();
}

// --- Criteria list: drag a criterion within its group; the new order is posted at once.
const board = document.querySelector("[data-reorder-url]");
if (board) setUpReorder(board);

function setUpReorder(container) {
  const status = container.querySelector("[data-reorder-status]");
  let dragged = null;
  let orderBefore = "";

  container.addEventListener("dragstart", (event) => {
    const row = event.target.closest?.(".criterion-row[draggable='true']");
    if (!row) return;
    dragged = row;
    orderBefore = currentOrder(container);
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.key);
  });

  container.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const row = event.target.closest(".criterion-row");
    if (!row || row.parentElement !== dragged.parentElement) return; // same group only
    event.preventDefault();
    if (row === dragged) return;
    const box = row.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    row.parentElement.insertBefore(dragged, after ? row.nextSibling : row);
  });

  container.addEventListener("drop", (event) => {
    if (dragged) event.preventDefault();
  });

  container.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    const order = currentOrder(container);
    if (order !== orderBefore) saveOrder(container, order, status);
  });
}

function currentOrder(container) {
  return [...container.querySelectorAll(".criterion-row[data-key]")]
    .map((row) => row.dataset.key)
    .join(",");
}

async function saveOrder(container, order, status) {
  const token = container.querySelector("input[name='csrfmiddlewaretoken']")?.value ?? "";
  announce(status, "Saving the new order…");
  try {
    const response = await fetch(container.dataset.reorderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
      body: new URLSearchParams({ order }),
    });
    const answer = await response.json();
    if (!response.ok || !answer.ok) throw new Error(answer.error || "not saved");
    if (answer.new_version) {
      window.location.reload(); // the history and the version number changed
      return;
    }
    refreshMoveButtons(container);
    announce(status, "Order saved.");
  } catch (error) {
    announce(status, `The order could not be saved (${error.message}). Reloading.`);
    window.setTimeout(() => window.location.reload(), 1500);
  }
}

// The first row of a group cannot move up, nor the last one down.
function refreshMoveButtons(container) {
  for (const list of container.querySelectorAll("[data-group]")) {
    const rows = [...list.querySelectorAll(".criterion-row")];
    rows.forEach((row, index) => {
      const [up, down] = row.querySelectorAll(".sc-move button");
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === rows.length - 1;
    });
  }
}

function announce(status, text) {
  if (status) status.textContent = text;
}
