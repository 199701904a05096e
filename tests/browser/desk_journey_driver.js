// Drives the whole web-chat handoff in headless Debian Chromium through playwright-core: a shopper
// on /chat asks for a person; an agent signs in at /desk, sees the ticket with its context, claims
// it, waives shipping, replies; the shopper sees both live; the agent resolves; the shopper rates.
// Usage: node desk_journey_driver.js '<json config>'
// config: {"url", "executablePath", "username", "password", "queueShot", "conversationShot"}
// Prints one JSON object with what each page showed; the pytest side asserts on it.
const { chromium } = require("playwright-core");

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const WAIT = { timeout: 30000 };

async function main() {
  const config = JSON.parse(process.argv[2]);
  const browser = await chromium.launch({
    executablePath: config.executablePath || "/usr/bin/chromium",
    headless: true,
    args: ARGS,
  });
  const seen = { errors: [] };
  try {
    const shopperContext = await browser.newContext({ viewport: { width: 420, height: 760 } });
    const agentContext = await browser.newContext({ viewport: { width: 1400, height: 950 } });
    const shopper = await shopperContext.newPage();
    const agent = await agentContext.newPage();
    for (const page of [shopper, agent]) {
      page.on("pageerror", (error) => seen.errors.push(String(error)));
      await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    }

    // The shopper chats with the assistant, then asks for a person.
    await shopper.goto(`${config.url}/chat`);
    const assistant = shopper.locator("[data-testid=assistant-message]");
    async function say(text, expectedAssistantReplies) {
      await shopper.fill("#chat-input", text);
      await shopper.press("#chat-input", "Enter");
      if (expectedAssistantReplies !== undefined) {
        await shopper.waitForFunction(
          (n) => document.querySelectorAll("[data-testid=assistant-message]").length >= n,
          expectedAssistantReplies,
          WAIT,
        );
        return (await assistant.last().textContent()) || "";
      }
      return "";
    }
    seen.search = await say("show me wool sweaters", 1);
    seen.handoffReply = await say("let me talk to a person", 2);
    await shopper.waitForFunction(
      () => document.querySelector("#chat-status").textContent.includes("Waiting"),
      null,
      WAIT,
    );
    seen.shopperStatus = await shopper.textContent("#chat-status");

    // The agent signs in and finds the ticket at the top of the queue.
    await agent.goto(`${config.url}/desk`);
    seen.loginUrl = agent.url();
    await agent.fill("#username", config.username);
    await agent.fill("#password", config.password);
    await agent.click("#sign-in");
    await agent.waitForSelector("#queue-rows tr[data-ticket]", WAIT);
    seen.queueRows = await agent.$$eval("#queue-rows tr[data-ticket]", (rows) =>
      rows.map((r) => r.innerText),
    );
    if (config.queueShot) await agent.screenshot({ path: config.queueShot, fullPage: true });
    await agent.click("#queue-rows tr[data-ticket] a");
    await agent.waitForSelector("[data-testid=transcript]", WAIT);
    seen.transcript = await agent.textContent("[data-testid=transcript]");
    seen.items = await agent.$$eval("[data-testid=items] li", (items) => items.map((i) => i.textContent));
    seen.parse = await agent.textContent("[data-testid=parse]");
    seen.profile = await agent.textContent("[data-testid=profile]");
    seen.cart = await agent.textContent("[data-testid=cart]");

    // Claim: the shopper is told a person joined.
    await agent.click("#claim");
    await agent.waitForSelector("#reply-form", WAIT);
    seen.owner = await agent.textContent("[data-testid=owner]");
    const personMessages = shopper.locator("[data-testid=person-message]");
    await personMessages.first().waitFor(WAIT);
    seen.joined = await personMessages.first().textContent();

    // Free shipping within the agent's policy: the server applies it, the shopper sees it live.
    seen.shippingOptions = await agent.$$eval("#shipping-option option", (options) =>
      options.map((o) => ({ text: o.textContent, disabled: o.disabled })),
    );
    await agent.selectOption("#shipping-option", "Standard shipping");
    await agent.click("#offer-free-shipping");
    await agent.waitForSelector("[data-testid=offers]", WAIT);
    seen.offers = await agent.textContent("[data-testid=offers]");
    await shopper.waitForFunction(
      () => [...document.querySelectorAll("[data-testid=person-message]")].some((m) =>
        m.textContent.includes("waived")),
      null,
      WAIT,
    );

    // A reply built from a canned response, sent without leaving the page.
    await agent.selectOption("#canned", { label: "Greeting" });
    seen.cannedText = await agent.inputValue("#reply-text");
    await agent.fill("#reply-text", seen.cannedText + " The oatmeal one is lovely.");
    await agent.click("#send-reply");
    await shopper.waitForFunction(
      () => [...document.querySelectorAll("[data-testid=person-message]")].some((m) =>
        m.textContent.includes("oatmeal one is lovely")),
      null,
      WAIT,
    );
    seen.shopperSees = await shopper.$$eval("[data-testid=person-message]", (items) =>
      items.map((i) => i.textContent),
    );
    seen.shopperStatusWithPerson = await shopper.textContent("#chat-status");

    // The shopper answers; the agent's conversation view shows it live, the assistant stays quiet.
    const assistantCount = await assistant.count();
    await say("great, thank you!");
    await agent.waitForFunction(
      () => [...document.querySelectorAll("#messages li.from-shopper")].some((m) =>
        m.textContent.includes("great, thank you!")),
      null,
      WAIT,
    );
    seen.assistantStayedQuiet = (await assistant.count()) === assistantCount;
    if (config.conversationShot) {
      await agent.screenshot({ path: config.conversationShot, fullPage: true });
    }

    // Resolve: the shopper is asked how we did, and answers.
    await agent.click("#resolve");
    await agent.waitForFunction(
      () => document.querySelector("[data-testid=status]").textContent.trim() === "resolved",
      null,
      WAIT,
    );
    seen.statusAfterResolve = (await agent.textContent("[data-testid=status]")).trim();
    await shopper.waitForSelector("[data-testid=csat] button", WAIT);
    seen.csatQuestion = await personMessages.last().textContent();
    await shopper.click("[data-testid=csat] button[data-score='5']");
    await shopper.waitForFunction(
      () => document.querySelector("[data-testid=csat]").textContent.includes("Thank you"),
      null,
      WAIT,
    );
    seen.csatThanks = await shopper.textContent("[data-testid=csat]");
    await agent.reload();
    await agent.waitForSelector("[data-testid=csat]", WAIT);
    seen.deskCsat = await agent.textContent("[data-testid=csat]");
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
