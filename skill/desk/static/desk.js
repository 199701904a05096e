// Live updates for the agent desk: the queue and the open conversation follow server-sent events.
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function renderQueue(tickets) {
    const body = document.getElementById("queue-rows");
    if (!body) return;
    body.replaceChildren();
    if (!tickets.length) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell("No one is waiting. New handoffs appear here live.");
      td.colSpan = 9;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const t of tickets) {
      const tr = document.createElement("tr");
      tr.className = "status-" + t.status;
      tr.dataset.ticket = t.ticket_id;
      const link = document.createElement("a");
      link.href = "/desk/tickets/" + encodeURIComponent(t.ticket_id);
      link.textContent = t.ticket_id;
      const first = document.createElement("td");
      first.appendChild(link);
      tr.append(
        first,
        cell(String(t.priority), "num"),
        cell(t.reason),
        cell(t.sentiment, "mood-" + t.sentiment),
        cell(t.channel),
        cell("$" + t.cart_value + (t.loyal ? " ★" : ""), "num"),
        cell(t.waiting),
        cell(t.status + (t.shopper_notified ? "" : " (not told)")),
        cell(t.owner),
      );
      body.appendChild(tr);
    }
  }

  const queueRows = document.getElementById("queue-rows");
  if (queueRows) {
    const source = new EventSource("/desk/events/queue");
    source.addEventListener("queue", (event) => renderQueue(JSON.parse(event.data).tickets));
  }

  const ticket = document.querySelector(".ticket[data-ticket]");
  if (ticket) {
    const list = document.getElementById("messages");
    let last = Number(ticket.dataset.lastSeq || "0");
    const url = "/desk/events/tickets/" + encodeURIComponent(ticket.dataset.ticket) + "?after=" + last;
    const source = new EventSource(url);
    source.addEventListener("message", (event) => {
      const m = JSON.parse(event.data);
      if (m.seq <= last) return;
      last = m.seq;
      const li = document.createElement("li");
      li.className = "from-" + m.from;
      li.dataset.seq = String(m.seq);
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = m.author || m.from.charAt(0).toUpperCase() + m.from.slice(1);
      li.append(who, " " + m.text);
      list.appendChild(li);
      li.scrollIntoView({ block: "nearest" });
    });
    source.addEventListener("ticket", (event) => {
      const t = JSON.parse(event.data);
      if (t.status !== ticket.dataset.status) window.location.reload();
    });
    source.addEventListener("gone", () => {
      source.close();
      window.location.assign("/desk");
    });

    const canned = document.getElementById("canned");
    const text = document.getElementById("reply-text");
    if (canned && text) {
      canned.addEventListener("change", () => {
        if (canned.value) text.value = text.value ? text.value + " " + canned.value : canned.value;
        canned.value = "";
        text.focus();
      });
    }
    const form = document.getElementById("reply-form");
    if (form) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const response = await fetch(form.action, {
          method: "POST",
          headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
          body: new FormData(form),
          credentials: "same-origin",
        });
        if (response.ok) {
          text.value = "";
        } else {
          const body = await response.json().catch(() => ({ error: "could not send" }));
          window.alert(body.error || "could not send");
        }
      });
    }
  }
})();
