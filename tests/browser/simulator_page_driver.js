// Drives the /simulator page in headless Debian Chromium through playwright-core (no bundled browser).
// Usage: node simulator_page_driver.js '<json config>'
// config: {"url": "http://127.0.0.1:PORT", "search": "...", "example": "...", "returnOrder": "...",
//          "screenshot": "optional/path.png"}
// Prints one JSON object with what the page showed at each step; the pytest side asserts on it.
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function main() {
  const config = JSON.parse(process.argv[2]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ambient-shop-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: config.executablePath || "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const seen = { errors: [] };
  try {
    const page = context.pages()[0] || (await context.newPage());
    // Script errors only: failed image loads and the deliberate 400 below are expected.
    page.on("pageerror", (error) => seen.errors.push(String(error)));
    // Product images point at the retailer's CDN; the page must cope when they cannot load.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());

    const replies = () => page.locator("[data-testid=alexa-reply]");
    async function waitForReply(before) {
      await page.waitForFunction(
        (n) => document.querySelectorAll("[data-testid=alexa-reply]").length > n,
        before,
        { timeout: 20000 },
      );
      return (await replies().last().locator(".speech").textContent()) || "";
    }
    async function say(text) {
      const before = await replies().count();
      await page.fill("#utterance", text);
      await page.press("#utterance", "Enter");
      return waitForReply(before);
    }
    async function click(target) {
      const before = await replies().count();
      await (typeof target === "string" ? page.locator(target) : target).click();
      return waitForReply(before);
    }

    await page.goto(`${config.url}/simulator`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
    seen.title = await page.title();
    seen.examples = await page.locator("#examples button").count();

    seen.launch = await click("#launch");
    seen.statusAfterLaunch = await page.textContent("#session-status");

    await page.click("#device-screen");
    await page.waitForSelector("#device-screen.active");
    seen.search = await say(config.search);
    await page.waitForSelector("#screen .product", { timeout: 10000 });
    seen.products = await page.$$eval("#screen .product", (items) =>
      items.map((item) => ({
        title: item.querySelector(".title").textContent,
        price: item.querySelector(".price").textContent,
        picture: Boolean(item.querySelector("img, .placeholder")),
      })),
    );
    if (config.listScreenshot) await page.screenshot({ path: config.listScreenshot });
    seen.card = await page.textContent("#card");
    seen.parseIntent = await page.textContent("#parse .intent");
    seen.state = JSON.parse(await page.textContent("#state"));

    seen.example = await click(page.locator("#examples button", { hasText: config.example }));

    seen.returnAsk = await say(config.returnOrder);
    seen.returnYes = await click("#quick-intents button[data-intent='AMAZON.YesIntent']");
    await page.waitForSelector("#outbox .sms", { timeout: 10000 });
    seen.outbox = await page.$$eval("#outbox .sms", (items) => items.map((i) => i.textContent));
    if (config.screenshot) await page.screenshot({ path: config.screenshot, fullPage: true });

    await page.selectOption("#shopper", "sam");
    await page.waitForFunction(() => document.querySelector("#outbox").textContent === "No texts.");
    seen.outboxAfterSwitch = await page.textContent("#outbox");
    seen.statusAfterSwitch = await page.textContent("#session-status");

    seen.badRequest = await page.evaluate(async () => {
      const response = await fetch("/simulator/api/turn", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: 42 }),
      });
      return { status: response.status, body: await response.json() };
    });

    seen.stop = await click("#quick-intents button[data-intent='AMAZON.StopIntent']");
    seen.endedBubble = await replies().last().getAttribute("class");
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
