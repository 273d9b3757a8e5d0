// The message of the page that led here ("Session created"): on a live page, which stays open
// for the whole call, it would otherwise sit above the room until the session ends. It can be
// dismissed at once, and leaves by itself after a while (errors stay until dismissed).

import { h } from "../live/dom.js";

export const FLASH_TIMEOUT_MS = 8000;

/** Makes each flash in `root` dismissible; the calm ones leave after `timeout` ms. */
export function settleFlashes(root = document, { timeout = FLASH_TIMEOUT_MS } = {}) {
  const box = root.querySelector(".flashes");
  if (!box) return;
  const drop = (flash) => {
    flash.remove();
    if (!box.querySelector(".flash")) box.remove();
  };
  for (const flash of box.querySelectorAll(".flash")) {
    const close = h("button", { type: "button", class: "btn btn-ghost btn-small flash-close", "aria-label": "Dismiss", "data-testid": "flash-dismiss" }, "×");
    close.addEventListener("click", () => drop(flash));
    flash.classList.add("is-dismissible");
    flash.append(close);
    if (!flash.classList.contains("flash-error")) setTimeout(() => drop(flash), timeout);
  }
}
