// Draws the CX dashboard from /desk/metrics.json with Chart.js (served from this app).
"use strict";

const charts = {};

function percent(rate) {
  return rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)}%`;
}

function number(value, digits) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${Math.round(seconds % 60)}s`;
}

function label(at, bucket) {
  return bucket === "hour" ? at.slice(11, 16) : at.slice(0, 10);
}

function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
  charts[id] = new Chart(document.getElementById(id), config);
}

function render(data) {
  const kpis = {
    "kpi-nps": number(data.nps.score, 1),
    "kpi-csat": data.csat.score === null ? "–" : `${number(data.csat.score, 1)}%`,
    "kpi-ces": number(data.ces.average, 2),
    "kpi-flr": percent(data.first_level_resolution),
    "kpi-handoff": percent(data.handoff_rate),
    "kpi-aht": duration(data.average_handle_time_s),
    "kpi-abandonment": percent(data.cart_abandonment_rate),
    "kpi-recovery": percent(data.recovery_rate),
    "kpi-revenue": `$${Number(data.revenue_recovered).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
    "kpi-conversations": String(data.conversations),
  };
  for (const [id, text] of Object.entries(kpis)) document.getElementById(id).textContent = text;

  const labels = data.trend.map((row) => label(row.at, data.bucket));
  draw("chart-conversations", {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: "Conversations", data: data.trend.map((r) => r.conversations) },
        { label: "Handed to a person", data: data.trend.map((r) => r.handoffs) },
      ],
    },
    options: { plugins: { title: { display: true, text: "Conversations over time" } } },
  });
  draw("chart-opinions", {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "CSAT %", data: data.trend.map((r) => r.csat.score), spanGaps: true },
        { label: "NPS", data: data.trend.map((r) => r.nps.score), spanGaps: true },
      ],
    },
    options: { plugins: { title: { display: true, text: "Opinions over time" } } },
  });
  draw("chart-carts", {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: "Checkouts started", data: data.trend.map((r) => r.checkouts_started) },
        { label: "Abandoned", data: data.trend.map((r) => r.carts_abandoned) },
        { label: "Recovered", data: data.trend.map((r) => r.carts_recovered) },
      ],
    },
    options: { plugins: { title: { display: true, text: "Carts over time" } } },
  });
  const channels = Object.keys(data.by_channel);
  draw("chart-channels", {
    type: "bar",
    data: {
      labels: channels,
      datasets: [
        { label: "Conversations", data: channels.map((c) => data.by_channel[c].conversations) },
        { label: "Handoffs", data: channels.map((c) => data.by_channel[c].handoffs) },
        { label: "CSAT answers", data: channels.map((c) => data.by_channel[c].csat.responses) },
      ],
    },
    options: { plugins: { title: { display: true, text: "By channel" } } },
  });

  const list = document.getElementById("feedback");
  list.replaceChildren();
  const items = data.feedback.length ? data.feedback : [{ text: "No feedback in this period.", at: "" }];
  for (const item of items) {
    const li = document.createElement("li");
    li.textContent = item.at ? `${item.text} (${item.channel}, ${item.at.slice(0, 10)})` : item.text;
    list.appendChild(li);
  }
}

async function load() {
  const status = document.getElementById("status");
  const period = document.getElementById("period").value;
  const params = new URLSearchParams(window.location.search);
  if (!params.has("since") || period !== "custom") {
    if (period !== "custom") {
      params.delete("until");
      params.set("since", period);
    }
  }
  try {
    const response = await fetch(`metrics.json?${params}`, { credentials: "same-origin" });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    render(data);
    status.textContent = `Updated ${new Date().toLocaleTimeString()} · ${data.since.slice(0, 16)} to ${data.until.slice(0, 16)} UTC`;
    status.className = "";
    document.body.dataset.loaded = "true";
  } catch (error) {
    status.textContent = `Could not load the figures: ${error.message}`;
    status.className = "error";
  }
}

if (new URLSearchParams(window.location.search).has("since")) {
  const custom = new Option("as in the address", "custom", true, true);
  document.getElementById("period").add(custom);
}

document.getElementById("period").addEventListener("change", () => {
  window.history.replaceState(null, "", window.location.pathname);
  load();
});
load();
