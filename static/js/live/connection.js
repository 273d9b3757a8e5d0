// What the live pages say about the connection: the pill in the header, and the banner when the
// session is closed or the connection cannot come back.

import { h } from "./dom.js";
import { STATE_TEXT } from "./socket.js";

/**
 * The pill's words: "Live", "Reconnecting in 4 s… · 2 to send", the server's "reconnecting to
 * its database" words with the next attempt. `retryIn`: seconds until the next attempt, or null
 * while one is under way; `serverMessage`: what the server said of its outage.
 */
export function connectionLabel(state, unsaved, { retryIn = null, serverMessage = "" } = {}) {
  let label = STATE_TEXT[state] || state;
  if (state === "reconnecting" && retryIn) label = `Reconnecting in ${retryIn} s…`;
  if (state === "unavailable") {
    label = serverMessage || STATE_TEXT.unavailable;
    if (retryIn) label += ` Retrying in ${retryIn} s.`;
  }
  if (state === "online" && unsaved) label += ` · ${unsaved} unsaved`;
  if (state !== "online" && unsaved) label += ` · ${unsaved} to send`;
  return label;
}

/** Binds a connection pill (.conn[data-state]) to a LiveSession; counts down to each retry. */
export function bindConnectionPill(live, pill, { onFatal } = {}) {
  const text = pill.querySelector("[data-conn-text]") || pill;
  let ticker = null;
  const render = () => {
    pill.dataset.state = live.state;
    const retryIn = live.retryIn;
    text.textContent = connectionLabel(live.state, live.unsaved, { retryIn, serverMessage: live.serverMessage });
    pill.title = live.fatalMessage || (live.unsaved ? "Changes are kept on this device until the server confirms them." : "");
    // Tick once a second while an attempt is planned, so the countdown never freezes.
    if (retryIn !== null && !ticker) ticker = setInterval(render, 1000);
    else if (retryIn === null && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
  };
  live.addEventListener("state", (event) => {
    render();
    if (event.detail.message && onFatal) onFatal(event.detail.message);
  });
  live.addEventListener("outbox", render);
  render();
}

/**
 * The banner above a live page: why the connection is over (with a login link when logged
 * out), else that the session is closed (with the summary link), else hidden. `rootElement`
 * carries data-login-url and data-summary-url.
 */
export function fillBanner(banner, { fatal, closed, rootElement }) {
  banner.replaceChildren();
  banner.className = "live-banner";
  if (fatal) {
    banner.classList.add("live-banner-danger");
    banner.append(h("strong", { text: fatal }));
    if (fatal.includes("logged out")) {
      banner.append(" ", h("a", { href: rootElement.dataset.loginUrl, text: "Log in" }));
    }
    banner.hidden = false;
  } else if (closed) {
    banner.classList.add("live-banner-info");
    banner.dataset.testid = "closed-notice";
    banner.append(
      h("strong", { text: "This session is closed." }),
      " ",
      h("a", { href: rootElement.dataset.summaryUrl, text: "Read the summary →" }),
    );
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}
