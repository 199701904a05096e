// Opens the CX dashboard in headless Debian Chromium through playwright-core and reports what
// it shows. Usage: node dashboard_driver.js '<json config>'
// config: {"url": "http://127.0.0.1:PORT/desk/metrics?since=...&until=...",
//          "login": optional {"username", "password"}, "screenshot": "path.png"}
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

async function main() {
  const config = JSON.parse(process.argv[2]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ambient-shop-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: config.executablePath || "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 1100 },
  });
  const seen = { errors: [], requests: [] };
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (error) => seen.errors.push(String(error)));
    page.on("request", (request) => seen.requests.push(request.url()));
    // The dashboard sends a visitor without a desk session to the desk's sign-in first.
    await page.goto(config.url);
    seen.askedToSignIn = page.url().includes("/desk/login");
    if (config.login && seen.askedToSignIn) {
      await page.fill("input[name=username]", config.login.username);
      await page.fill("input[name=password]", config.login.password);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      await page.goto(config.url);
    }
    await page.waitForSelector("body[data-loaded=true]", { timeout: 60000 });
    seen.kpis = await page.$$eval(".tile .value", (nodes) =>
      Object.fromEntries(nodes.map((n) => [n.id, n.textContent.trim()])));
    seen.charts = await page.$$eval("canvas", (canvases) =>
      canvases.map((c) => {
        const chart = window.Chart.getChart(c);
        return {
          id: c.id,
          type: chart ? chart.config.type : null,
          labels: chart ? chart.data.labels : [],
          datasets: chart ? chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) : [],
          width: c.width,
        };
      }));
    seen.feedback = await page.$$eval("#feedback li", (items) => items.map((i) => i.textContent));
    seen.status = await page.textContent("#status");
    if (config.screenshot) await page.screenshot({ path: config.screenshot, fullPage: true });
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
