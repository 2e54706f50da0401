// The journal page's live tail: every second it asks the console for the team's requests
// recorded since the newest one it knows (with the page's filters) and puts them at the top.
// Without script the page is the same, only still. Text is set with textContent, never parsed
// as HTML.
"use strict";

(() => {
  const list = document.getElementById("journal-entries");
  const status = document.getElementById("tail-status");
  if (!list || !list.dataset.tail || !status || !window.fetch) {
    return;
  }
  const every = 1000;
  const limit = Number(list.dataset.limit) || 100;
  let since = list.dataset.since || "0";

  const element = (tag, text, className) => {
    const made = document.createElement(tag);
    if (text !== undefined) {
      made.textContent = text;
    }
    if (className) {
      made.className = className;
    }
    return made;
  };

  const entryOf = (entry) => {
    const details = element("details", undefined, "entry new");
    const summary = element("summary");
    const query = entry.query ? `?${entry.query}` : "";
    const fault = entry.fault ? ` · ${entry.fault}` : "";
    summary.append(
      element("span", `#${entry.seq}`, "seq"), " ", element("strong", entry.method),
      ` ${entry.path}${query} → ${entry.status} `,
      element("span", `${entry.time} · ${entry.duration_ms} ms${fault}`, "muted"),
    );
    const id = element("p", "Request id ");
    id.append(element("code", entry.request_id));
    details.append(summary, id);
    if (entry.request_text) {
      details.append(element("h3", "Request body"), element("pre", entry.request_text));
    }
    details.append(element("h3", "Response body"), element("pre", entry.response_text));
    return details;
  };

  const show = (entries) => {
    if (entries.length === 0) {
      return;
    }
    document.getElementById("journal-empty")?.remove();
    list.prepend(...entries.map(entryOf));
    while (list.children.length > limit) {
      list.lastElementChild.remove();
    }
  };

  const say = (text) => {
    if (status.textContent !== text) {
      status.textContent = text;
    }
    status.hidden = false;
  };

  const poll = async () => {
    const separator = list.dataset.tail.includes("?") ? "&" : "?";
    const url = `${list.dataset.tail}${separator}since=${encodeURIComponent(since)}`;
    try {
      const answer = await fetch(url, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      });
      if (answer.status === 401) {
        say("Live updates stopped: the session has ended. Reload the page to log in again.");
        return;
      }
      if (!answer.ok) {
        throw new Error(`status ${answer.status}`);
      }
      const body = await answer.json();
      since = String(body.since);
      show(body.entries);
      say("Live: new requests appear at the top.");
    } catch (error) {
      say("Live updates paused: the server did not answer; trying again.");
    }
    window.setTimeout(poll, every);
  };

  say("Live: new requests appear at the top.");
  window.setTimeout(poll, every);
})();
