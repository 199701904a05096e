// The shopper's web chat: messages go to /chat/api/messages; a person's replies arrive live.
"use strict";

(function () {
  const KEY = "ambient-shop-chat";
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const status = document.getElementById("chat-status");
  let saved = {};
  try {
    saved = JSON.parse(window.localStorage.getItem(KEY) || "{}") || {};
  } catch (_) {
    saved = {};
  }
  let source = null;

  function remember() {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(saved));
    } catch (_) {
      /* private browsing: the chat still works for this page */
    }
  }

  function bubble(text, from, testid) {
    const li = document.createElement("li");
    li.className = "bubble from-" + from;
    li.textContent = text;
    if (testid) li.dataset.testid = testid;
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }

  function items(list) {
    if (!list || !list.length) return;
    const ol = document.createElement("ol");
    ol.className = "items";
    for (const item of list) {
      const li = document.createElement("li");
      li.textContent = item.title + " · $" + item.price;
      ol.appendChild(li);
    }
    const wrap = document.createElement("li");
    wrap.className = "bubble from-assistant";
    wrap.appendChild(ol);
    log.appendChild(wrap);
  }

  function csatButtons(ticket) {
    const li = document.createElement("li");
    li.className = "csat";
    li.dataset.testid = "csat";
    for (let score = 1; score <= 5; score += 1) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = String(score);
      b.dataset.score = String(score);
      b.addEventListener("click", async () => {
        const response = await fetch("/chat/api/csat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ shopper: saved.shopper, ticket: ticket, score: score }),
        });
        const body = await response.json().catch(() => ({}));
        li.replaceChildren(document.createTextNode(response.ok ? body.text : body.error || "Sorry, that did not work."));
      });
      li.appendChild(b);
    }
    log.appendChild(li);
  }

  function listen() {
    if (source || !saved.shopper) return;
    const after = saved.seq || 0;
    source = new EventSource(
      "/chat/api/events?shopper=" + encodeURIComponent(saved.shopper) + "&after=" + after,
    );
    source.addEventListener("message", (event) => {
      const m = JSON.parse(event.data);
      if (m.seq <= (saved.seq || 0)) return;
      saved.seq = m.seq;
      remember();
      if (m.kind === "csat") {
        bubble(m.text, "person", "person-message");
        csatButtons(m.ref);
        status.textContent = "Conversation closed";
      } else if (m.kind === "notice") {
        bubble(m.text, "notice");
        status.textContent = "Chatting with the assistant";
      } else {
        bubble(m.text, "person", "person-message");
        status.textContent = "Chatting with a person";
      }
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    bubble(text, "shopper");
    const payload = { text: text };
    if (saved.shopper) payload.shopper = saved.shopper;
    if (saved.conversation) payload.conversation = saved.conversation;
    let response;
    try {
      response = await fetch("/chat/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
    } catch (_) {
      bubble("Sorry, the connection dropped. Please try again.", "notice");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 400 && (saved.shopper || saved.conversation)) {
        saved = {};
        remember();
      }
      bubble(body.error || "Sorry, something went wrong.", "notice");
      return;
    }
    saved.shopper = body.shopper;
    saved.conversation = body.conversation;
    remember();
    const reply = body.reply || {};
    if (reply.text) bubble(reply.text, "assistant", "assistant-message");
    items(reply.items);
    if (reply.handoff) status.textContent = "Waiting for a person…";
    listen();
  });

  listen();
})();
