// Present mode's conversation panel: the interaction being discussed (its messages, transcript
// or notes, rendered by the server into the page as the reviewers read it), beside the
// criterion, one key (C) away. Showing it never changes which criterion is on the stage.

/**
 * @param {object} els  panel (the aside), layout (its grid), toggle (the button)
 * @returns {{show(scope), toggle(open?), isOpen()}}
 */
export function createConversation({ panel, layout, toggle }) {
  const articles = [...panel.querySelectorAll("[data-conversation-for]")];
  const none = panel.querySelector("[data-conversation-none]");
  let scope = null;

  function render() {
    let shown = false;
    for (const article of articles) {
      article.hidden = article.dataset.conversationFor !== String(scope);
      shown ||= !article.hidden;
    }
    none.hidden = shown;
  }

  function setOpen(open) {
    panel.hidden = !open;
    layout.classList.toggle("is-split", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.classList.toggle("is-active", open);
    if (open) panel.scrollTop = 0;
  }

  toggle.addEventListener("click", () => setOpen(panel.hidden));
  panel.querySelector("[data-conversation-close]")?.addEventListener("click", () => {
    setOpen(false);
    toggle.focus();
  });

  return {
    /** Follows the interaction on the stage (an item id or "all"). */
    show(value) {
      if (value === scope) return;
      scope = value;
      render();
    },
    toggle(open = panel.hidden) {
      setOpen(open);
    },
    isOpen: () => !panel.hidden,
  };
}
