import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { startStack, type Stack } from "../support/stack.js";

describe("the /docs page in real Chromium", () => {
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([
      // The page needs the server only; no worker.
      startStack({ backend: "embedded", workers: 0 }),
      // --no-sandbox: CI runs as root.
      chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("renders every operation under the server's security headers, and Try it out reaches the API", async () => {
    const doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("requestfailed", (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
      const foreign: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(stack.baseUrl) && !r.url().startsWith("data:")) foreign.push(r.url());
      });
      // Records the page's CSP violations from before any of its scripts run (as text: the
      // tests compile without the DOM's types).
      await page.addInitScript({
        content: `window.cspViolations = [];
          document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`,
      });

      const answer = await page.goto(`${stack.baseUrl}/docs`);
      assert.equal(answer?.status(), 200);
      await page.waitForSelector(".opblock");
      assert.equal(await page.locator(".opblock").count(), operations);
      assert.equal((await page.locator(".info .title").innerText()).split("\n")[0]?.trim(), "tstasks");

      const ping = page.locator("#operations-SystemService-SystemService_Ping");
      await ping.locator(".opblock-summary").click();
      await ping.locator(".try-out__btn").click();
      const response = page.waitForResponse((r) => r.url() === `${stack.baseUrl}/ping`);
      await ping.locator(".execute").click();
      assert.equal((await response).status(), 200);
      await ping.locator(".live-responses-table").waitFor();
      assert.match(await ping.locator(".live-responses-table").innerText(), /"status": "online"/);

      assert.deepEqual(await page.evaluate("window.cspViolations"), []);
      assert.deepEqual(problems, []);
      assert.deepEqual(foreign, [], "nothing loaded from another origin");
    } finally {
      await context.close();
    }
  });
});
