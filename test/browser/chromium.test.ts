import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { startStack, type Stack } from "../support/stack.js";
import type { ScenarioOutcome } from "./page-main.js";

/** The page's origin: served by the test itself (page.route), allowed by the server's CORS list. */
const APP_ORIGIN = "http://app.test";

/** The page script with the browser client, bundled in memory. */
async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [join(import.meta.dirname, "page-main.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "chrome120",
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** A page that loads `script`, as the app at `origin` would serve it. */
function html(script: string): string {
  // A closing script tag inside the bundle would end the element early.
  return `<!doctype html><html><head><meta charset="utf-8"><title>tstasks</title></head><body>
<script type="module">${script.replaceAll("</script", "<\\/script")}</script></body></html>`;
}

describe("the browser client in real Chromium", () => {
  let stack: Stack;
  let browser: Browser;
  let page: string;
  before(async () => {
    [stack, browser, page] = await Promise.all([
      startStack({ backend: "real", corsOrigins: [APP_ORIGIN] }),
      chromium.launch({
        executablePath: "/usr/bin/chromium",
        headless: true,
        // --no-sandbox: CI runs as root. The features: Chromium blocks a plain-http page on a
        // public origin from calling a loopback address (Private/Local Network Access); here the
        // server is on 127.0.0.1 only because it is a test, where a deployment has both public.
        args: ["--no-sandbox", "--disable-features=BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks"],
      }),
      bundlePage().then(html),
    ]);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Opens the app page at `origin` and runs the scenario there. */
  async function scenarioAt(origin: string, protocol: "connect" | "grpc-web", consoleLines: string[] = []): Promise<ScenarioOutcome> {
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      const pageErrors: string[] = [];
      tab.on("pageerror", (e) => pageErrors.push(e.message));
      tab.on("console", (m) => consoleLines.push(m.text()));
      await tab.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: page }));
      await tab.goto(`${origin}/`);
      await tab.waitForFunction(() => "runScenario" in globalThis);
      const { token } = await stack.tokens.issue({ name: "browser-user", allowedTasks: {}, roles: [] });
      const outcome = await tab.evaluate(
        ([baseUrl, p, t]) =>
          (globalThis as unknown as { runScenario(u: string, p: string, t: string): Promise<ScenarioOutcome> }).runScenario(baseUrl!, p!, t!),
        [stack.baseUrl, protocol, token],
      );
      assert.deepEqual(pageErrors, []);
      return outcome;
    } finally {
      await context.close();
    }
  }

  for (const protocol of ["connect", "grpc-web"] as const) {
    it(`submits a task and watches it to SUCCESS from another origin [${protocol}]`, async () => {
      const outcome = await scenarioAt(APP_ORIGIN, protocol);
      assert.equal(outcome.origin, APP_ORIGIN);
      assert.equal(outcome.owner, "browser-user", "the bearer token passed the CORS preflight");
      assert.equal(outcome.kinds[0], "task", "a snapshot first");
      assert.equal(outcome.kinds.at(-1), "task", "the final task last");
      assert.equal(outcome.finalStatus, "SUCCESS");
      assert.ok(outcome.progress.length > 0, "progress events seen");
      assert.equal(outcome.progress.at(-1), 1);
      assert.equal(outcome.logLines.length, 5);
      const result = outcome.result as { pi: number; samples: number };
      assert.equal(result.samples, 100_000);
      assert.ok(Math.abs(result.pi - Math.PI) < 0.1, String(result.pi));
      assert.deepEqual(outcome.again, outcome.result);
      assert.match(outcome.grpcRefusal, /not possible in a browser/);
      assert.deepEqual(outcome.failure, { isTaskFailed: true, code: "failed", errorType: "NonRetryableError" });
      // The task really is on the server.
      assert.equal((await stack.store.getTask(outcome.taskId))?.status, "SUCCESS");
    });
  }

  it("an origin the server does not allow is refused by the browser (CORS)", async () => {
    const consoleLines: string[] = [];
    await assert.rejects(scenarioAt("http://elsewhere.test", "connect", consoleLines), /Failed to fetch/);
    assert.ok(
      consoleLines.some((l) => l.includes("from origin 'http://elsewhere.test' has been blocked by CORS policy: No 'Access-Control-Allow-Origin'")),
      consoleLines.join("\n"),
    );
  });
});
