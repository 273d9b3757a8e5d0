// The room's tab strip: one tab per interaction (with its progress marks) and "All
// interactions" once something is revealed. Arrow keys, Home and End move between tabs; the
// chosen one is kept in the address (#item-<id> or #all).

import { h } from "../live/dom.js";

/**
 * @param {RoomState} state
 * @param {object} els  tablist, tabs, allTab, panel, articles, interactions, split, all
 * @param {object} options
 * @param {() => void} options.onSelect  draws what depends on the chosen tab
 */
export function createTabs(state, els, { onSelect }) {
  function allTabs() {
    return els.allTab.hidden ? els.tabs : [...els.tabs, els.allTab];
  }

  function select(id, { focus = false, updateHash = true } = {}) {
    const previous = state.active;
    const active = id === "all" ? "all" : Number(id);
    state.active = active;
    for (const tab of [...els.tabs, els.allTab]) {
      const selected = tab.dataset.itemId === String(active);
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected) {
        els.panel.setAttribute("aria-labelledby", tab.id);
        if (focus) tab.focus();
        // The strip scrolls sideways when the tabs do not fit: keep the chosen one in view.
        scrollTabIntoView(tab);
      }
    }
    for (const article of els.articles) article.hidden = article.dataset.interactionFor !== String(active);
    if (active !== "all") {
      // The interaction column scrolls on its own: it is a focusable region named after it.
      const label = state.itemLabels.get(active);
      els.interactions.setAttribute("aria-label", `${state.itemName(active)}: ${label?.title ?? ""}`);
      if (previous !== active) els.interactions.scrollTop = 0;
    }
    els.split.hidden = active === "all";
    els.all.hidden = active !== "all";
    if (updateHash) history.replaceState(null, "", active === "all" ? "#all" : `#item-${active}`);
    onSelect();
  }

  function scrollTabIntoView(tab) {
    const strip = els.tablist;
    if (strip.scrollWidth <= strip.clientWidth) return;
    const box = strip.getBoundingClientRect();
    const rect = tab.getBoundingClientRect();
    // Clear of the faded edge (2.5rem), unless the tab is the first or last.
    const margin = 44;
    if (rect.left < box.left + margin) strip.scrollLeft -= box.left + margin - rect.left;
    else if (rect.right > box.right - margin) strip.scrollLeft += rect.right - (box.right - margin);
  }

  /** Fades the edge of the strip where tabs are scrolled out of sight. */
  function markTabOverflow() {
    const strip = els.tablist;
    const hidden = strip.scrollWidth - strip.clientWidth;
    strip.classList.toggle("is-clipped-start", hidden > 1 && strip.scrollLeft > 1);
    strip.classList.toggle("is-clipped-end", hidden > 1 && strip.scrollLeft < hidden - 1);
  }
  els.tablist.addEventListener("scroll", markTabOverflow, { passive: true });
  if (window.ResizeObserver) new ResizeObserver(markTabOverflow).observe(els.tablist);

  els.tablist.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) select(tab.dataset.itemId);
  });
  els.tablist.addEventListener("keydown", (event) => {
    const tabs = allTabs();
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (next) {
      event.preventDefault();
      select(next.dataset.itemId, { focus: true });
    }
  });

  /** The marks on each tab (submitted by me, revealed, n of m submitted) and the "All" tab. */
  function render() {
    const { snap } = state;
    const mine = new Set(snap.me.submitted);
    for (const tab of els.tabs) {
      const item = state.itemById(tab.dataset.itemId);
      if (!item) continue;
      const marks = tab.querySelector("[data-marks]");
      const data = { revealed: item.revealed, s: item.submitted, t: item.total, mine: mine.has(item.id) };
      if (!state.changed(`tab-${item.id}`, data)) continue;
      marks.replaceChildren();
      tab.dataset.revealed = String(item.revealed);
      tab.dataset.submitted = String(mine.has(item.id));
      if (mine.has(item.id)) {
        marks.append(
          h("span", { class: "tab-done", "data-testid": "tab-done", title: "You submitted this interaction" }, "✓", h("span", { class: "visually-hidden", text: " submitted" })),
        );
      }
      if (item.revealed) {
        marks.append(h("span", { class: "tab-revealed", "data-testid": "tab-revealed", text: "Revealed" }));
      } else {
        marks.append(h("span", { class: "tab-count", title: `${item.submitted} of ${item.total} submitted`, text: `${item.submitted}/${item.total}` }));
      }
    }
    const anyRevealed = snap.items.some((item) => item.revealed);
    els.allTab.hidden = !anyRevealed;
    if (!anyRevealed && state.active === "all") select(els.tabs[0].dataset.itemId);
    markTabOverflow();
  }

  /** The tab to start on: the one in the address if it exists, else the first. */
  function initial() {
    const hash = window.location.hash;
    if (hash === "#all" && state.snap.items.some((item) => item.revealed)) return "all";
    if (hash.startsWith("#item-") && state.itemById(hash.slice(6))) return Number(hash.slice(6));
    return state.active;
  }

  return { select, render, initial };
}
