// Small DOM helpers for the live pages. Server text is always inserted as text (textContent or
// text nodes), never as HTML.

/** h("p", {class: "x", dataset: {a: 1}}, "text", child): text children become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "text") element.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (arrays flattened); skips null/false and turns strings into text. */
export function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replaces an element's children; like h(), skips null/false and turns strings into text. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Reads the JSON a template put in {{ value|json_script:"id" }}. */
export function readJsonScript(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

let uid = 0;
/** A unique id for label/for pairs. */
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** "14:32" in the viewer's time zone. */
export function shortTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A short-lived notice in the corner (nudges, refused actions). */
export function toast(message, { kind = "info", timeout = 6000 } = {}) {
  let region = document.getElementById("live-toasts");
  if (!region) {
    region = h("div", { id: "live-toasts", class: "live-toasts", "aria-live": "assertive" });
    document.body.append(region);
  }
  const close = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": "Dismiss" }, "×");
  const note = h(
    "div",
    { class: `live-toast live-toast-${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": "toast" },
    h("span", { text: message }),
    close,
  );
  const remove = () => note.remove();
  close.addEventListener("click", remove);
  region.append(note);
  if (timeout) setTimeout(remove, timeout);
  return note;
}
