// The simulator page: every action is one POST to /simulator/api/*, rendered with textContent only.
(function () {
  "use strict";

  const state = { session: null, device: "voice", shopper: null, busy: false };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, body) {
    const response = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
    }
    return data;
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function setBusy(busy) {
    state.busy = busy;
    document.body.classList.toggle("busy", busy);
    for (const button of document.querySelectorAll("button")) button.disabled = busy;
    $("utterance").disabled = busy;
  }

  function logNode(node) {
    const log = $("log");
    const empty = log.querySelector(".empty");
    if (empty) empty.remove();
    log.append(node);
    log.scrollTop = log.scrollHeight;
  }

  function logShopper(text) {
    logNode(el("div", { class: "bubble shopper" }, text));
  }

  function logSystem(text) {
    logNode(el("div", { class: "system" }, text));
  }

  function logAlexa(result) {
    const routed = Object.keys(result.slots || {}).length
      ? `${result.sent} · ${Object.entries(result.slots).map(([k, v]) => `${k}="${v}"`).join(" ")}`
      : result.sent;
    const bubble = el(
      "div",
      { class: "bubble alexa" + (result.end_session ? " ended" : ""), "data-testid": "alexa-reply" },
      el("span", { class: "speech" }, result.speech || "(silence)"),
      result.reprompt ? el("span", { class: "reprompt" }, `Reprompt: ${result.reprompt}`) : null,
      el("span", { class: "meta" }, routed + (result.end_session ? " · session ended" : "")),
    );
    logNode(bubble);
  }

  function placeholder(title) {
    const initials = (title || "?").split(/\s+/).slice(0, 2).map((w) => w[0] || "").join("").toUpperCase();
    return el("div", { class: "placeholder" }, initials);
  }

  function renderScreen(result) {
    const screen = $("screen");
    screen.replaceChildren();
    $("device-title").textContent = state.device === "screen" ? "Echo Show screen" : "Echo Dot";
    if (state.device !== "screen") {
      screen.className = "screen voice";
      const dot = el("div", { class: "dot" + (result && result.speech ? " speaking" : "") }, el("span"));
      screen.append(dot, el("p", { class: "muted" }, "Voice-only device: nothing to show."));
      return;
    }
    screen.className = "screen";
    if (!result || !result.apl) {
      screen.append(el("p", {}, result ? result.speech : "The screen shows products when the skill sends a list."));
      return;
    }
    screen.append(el("h3", {}, result.apl_title || "Products"));
    const list = el("ol", { class: "products" });
    result.apl_items.forEach((item, index) => {
      let picture = placeholder(item.title);
      if (item.image) {
        picture = el("img", { src: item.image, alt: "" });
        picture.addEventListener("error", () => picture.replaceWith(placeholder(item.title)));
      }
      list.append(
        el(
          "li",
          { class: "product", "data-product-id": item.id || "" },
          el("span", { class: "ordinal" }, index + 1),
          picture,
          el("div", {}, el("div", { class: "title" }, item.title), el("div", { class: "price" }, item.price)),
        ),
      );
    });
    screen.append(list);
  }

  function renderCard(card) {
    const box = $("card");
    box.replaceChildren();
    if (!card) {
      box.className = "card empty-box";
      box.textContent = "No card with this answer.";
      return;
    }
    box.className = "card filled";
    box.append(el("h3", {}, card.title || ""), el("p", {}, card.text || card.content || ""));
    const image = card.image && (card.image.largeImageUrl || card.image.smallImageUrl);
    if (image) box.append(el("img", { src: image, alt: "" }));
  }

  function renderParse(result) {
    const box = $("parse");
    box.replaceChildren();
    const parse = result && result.parse;
    if (!parse) {
      box.className = "parse empty-box";
      box.textContent = "No parse for this request.";
      return;
    }
    box.className = "parse";
    const percent = Math.round((parse.confidence || 0) * 100);
    box.append(
      el("div", { class: "intent" }, parse.intent, el("span", { class: "muted" }, `  ${percent}%`)),
      el("div", { class: "confidence" }, el("span", { style: `width:${percent}%` })),
    );
    for (const entity of parse.entities || []) {
      const value = typeof entity.value === "object" ? JSON.stringify(entity.value) : entity.value;
      box.append(el("span", { class: "entity" }, el("b", {}, entity.label), value));
    }
    if (parse.asks && parse.asks.length) box.append(el("div", { class: "routed" }, `asks: ${parse.asks.join(", ")}`));
    box.append(el("div", { class: "routed" }, `heard as ${result.sent}${result.matched ? ` via "${result.matched}"` : ""}`));
  }

  function renderOutbox(messages) {
    const box = $("outbox");
    box.replaceChildren();
    if (!messages || !messages.length) {
      box.className = "outbox empty-box";
      box.textContent = "No texts.";
      return;
    }
    box.className = "outbox";
    for (const message of messages) {
      box.append(el("div", { class: "sms" }, message.body, el("time", {}, `${message.channel} · ${message.created_at}`)));
    }
  }

  function renderSession(data) {
    state.session = data.session;
    state.device = data.device;
    state.shopper = data.shopper;
    for (const button of document.querySelectorAll(".segmented button")) {
      button.classList.toggle("active", button.dataset.device === data.device);
    }
    ensureShopperOption(data.shopper);
    $("shopper").value = data.shopper;
    const status = $("session-status");
    status.textContent = data.open ? "session open" : "no session";
    status.classList.toggle("open", data.open);
    $("state").textContent = JSON.stringify(data.state || {}, null, 2);
    renderOutbox(data.outbox);
  }

  async function send(body, label) {
    if (state.busy) return;
    showError("");
    setBusy(true);
    try {
      if (label) logShopper(label);
      const data = await api("/simulator/api/turn", {
        session: state.session, device: state.device, shopper: state.shopper, ...body,
      });
      renderSession(data);
      if (data.result) {
        logAlexa(data.result);
        renderScreen(data.result);
        renderCard(data.result.card);
        renderParse(data.result);
      } else if (body.end) {
        logSystem("No session was open.");
      }
    } catch (error) {
      showError(error.message);
    } finally {
      setBusy(false);
      $("utterance").focus();
    }
  }

  async function changeSession(change, note) {
    showError("");
    try {
      const data = await api("/simulator/api/session", { session: state.session, ...change });
      renderSession(data);
      renderScreen(null);
      renderCard(null);
      renderParse(null);
      if (note) logSystem(note);
    } catch (error) {
      showError(error.message);
    }
  }

  function ensureShopperOption(name) {
    const select = $("shopper");
    if (![...select.options].some((o) => o.value === name)) select.append(el("option", { value: name }, name));
  }

  async function start() {
    const meta = await api("/simulator/api/meta");
    $("skill-name").textContent = meta.skill_name;
    for (const name of meta.shoppers) ensureShopperOption(name);
    state.shopper = meta.shoppers[0];
    for (const example of meta.examples) {
      $("examples").append(el("li", {}, el("button", { type: "button", onclick: () => send({ text: example }, example) }, example)));
    }
    for (const quick of meta.quick_intents) {
      $("quick-intents").append(
        el("button", { type: "button", "data-intent": quick.intent, onclick: () => send({ intent: quick.intent }, `(${quick.label})`) }, quick.label),
      );
    }
    $("say-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("utterance").value.trim();
      if (!text) return;
      $("utterance").value = "";
      send({ text }, text);
    });
    $("launch").addEventListener("click", () => send({ launch: true }, "Alexa, open " + meta.skill_name));
    $("end-session").addEventListener("click", () => send({ end: true }, "(walks away)"));
    for (const button of document.querySelectorAll(".segmented button")) {
      button.addEventListener("click", () => {
        if (button.dataset.device !== state.device) {
          const label = button.dataset.device === "screen" ? "a device with a screen" : "a voice-only device";
          changeSession({ device: button.dataset.device }, `Switched to ${label}: new session.`);
        }
      });
    }
    $("shopper").addEventListener("change", () => changeSession({ shopper: $("shopper").value }, `Now talking as ${$("shopper").value}: new session.`));
    $("new-shopper").addEventListener("click", () => {
      const name = "shopper-" + Math.random().toString(36).slice(2, 8);
      ensureShopperOption(name);
      changeSession({ shopper: name }, `Now talking as ${name}: new session.`);
    });
    await changeSession({ device: state.device, shopper: state.shopper });
    document.body.dataset.ready = "true";
  }

  start().catch((error) => showError(`Could not start the simulator: ${error.message}`));
})();
