import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildDashboard } from "../../server/dashboard/build-dashboard.js";
import { hashPassword } from "../../server/auth/password-hash.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";
import { waitUntil } from "../harness/wait-until.js";
import { go, launchChromium, progressAt, logIn, openDashboard, openTaskId, submitThroughForm, waitForStatus, type DashboardTab } from "./dashboard-driver.js";

/** Screenshots of each run, kept as test artefacts (gitignored). */
const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");

describe("the dashboard at /ui in real Chromium", () => {
  let browser: Browser;
  before(async () => {
    // Built here, so the test never runs against a stale bundle in dist/dashboard.
    [browser] = await Promise.all([launchChromium(), buildDashboard(), mkdir(ARTIFACTS, { recursive: true })]);
    console.log(`dashboard screenshots: ${ARTIFACTS}`);
  });
  after(() => browser?.close());

  for (const backend of BACKENDS) describe(`[${backend}]`, () => {
    let stack: Stack;
    let tab: DashboardTab;
    let page: Page;
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${backend}-${name}.png`), fullPage: true });
    const bearer = async (name: string) => ({ authorization: `Bearer ${(await stack.tokens.issue({ name, allowedTasks: {}, roles: [] })).token}` });

    before(async () => {
      stack = await startStack({ backend });
      await stack.users.createUser({ name: "root", passwordHash: await hashPassword("toor"), allowedTasks: {}, roles: ["admin"] });
      await stack.users.createUser({ name: "alice", passwordHash: await hashPassword("wonderland"), allowedTasks: {}, roles: [] });
      // A task of another user, which the admin sees and alice's own list shows.
      const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 2, y: 3 } }, headers: await bearer("alice") });
      assert.equal(res.status, 200, res.text);
      tab = await openDashboard(browser, stack.baseUrl);
      page = tab.page;
    });
    after(async () => {
      await tab?.context.close();
      await stack?.stop();
    });

    it("signs in through the form with the token RPC; a wrong password is refused on the page", async () => {
      await logInFails(page, "root", "wrong");
      await logIn(page, "root", "toor");
      assert.equal(await page.locator("header.nav .who").innerText(), "rootadmin", "the user and the admin mark");
      assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "All tasks");
    });

    it("submits through the generated form and follows the task to SUCCESS with live progress and its log", async () => {
      // Checked in the page before anything is sent.
      const form = await submitThroughForm(page, "demo.main.pi", { samples: "", chunks: "2.5" });
      assert.equal(await fieldError(form, "samples"), "is required");
      assert.equal(await fieldError(form, "chunks"), "must be an integer");

      await form.locator("[name=samples]").fill("3000000");
      await form.locator("[name=chunks]").fill("10");
      await form.locator("[name=pauseMs]").fill("400");
      await form.getByRole("button", { name: "Submit task" }).click();
      const id = await openTaskId(page);

      // A progress report arrives over WatchTask while the task runs.
      const bar = page.getByRole("progressbar");
      await progressAt(page, (percent) => percent > 0 && percent < 100);
      await page.locator(".live").waitFor();
      assert.match(await page.locator(".progress-text").innerText(), /^\d+% · chunk \d+\/10$/);
      await shot("task-running");

      await waitForStatus(page, "SUCCESS");
      assert.equal(await bar.getAttribute("aria-valuenow"), "100");
      assert.equal(await page.locator(".live").count(), 0, "the stream ended with the task");
      const result = JSON.parse(await page.getByLabel("result").innerText()) as { pi: number; samples: number };
      assert.equal(result.samples, 3_000_000);
      assert.ok(Math.abs(result.pi - Math.PI) < 0.05, String(result.pi));
      assert.deepEqual(JSON.parse(await page.getByLabel("arguments").innerText()), { samples: 3_000_000, chunks: 10, pauseMs: 400 });
      assert.equal(await page.locator("table.log tr").count(), 10);
      assert.match(await page.locator("table.log tr").last().innerText(), /chunk 10\/10: 3000000 samples/);
      assert.ok(await page.getByRole("button", { name: "Cancel" }).isDisabled());
      await shot("task-done");
      assert.equal((await stack.store.getTask(id))?.status, "SUCCESS");
    });

    it("shows the server's InvalidArgument message on the form", async () => {
      // "0" is a number, so the page sends it; mov3d refuses a mass of 0.
      const form = await submitThroughForm(page, "physicsjs.main.mov3d", { dt: "0.1", r0: "0, 1, 0", v0: "0 0 0", mass: "0", radius: "0.1", drag: "true" });
      await form.locator(".error").waitFor();
      assert.match(await form.locator(".error").innerText(), /^invalid_argument: Input payload validation failed/);
      assert.ok((await fieldError(form, "mass")).length > 0, "the server's error for mass is on its field");
      assert.match(page.url(), /#\/types\/physicsjs\.main\.mov3d$/, "still on the form");
      await shot("form-refused");
    });

    it("cancels a running task with the button (REVOKED), and retries it", async () => {
      await submitThroughForm(page, "demo.main.sleep", { ms: "600000" });
      const id = await openTaskId(page);
      await waitForStatus(page, "STARTED");
      await page.getByRole("button", { name: "Cancel" }).click();
      await waitForStatus(page, "REVOKED");
      assert.equal((await stack.store.getTask(id))?.status, "REVOKED");
      assert.ok(await page.getByRole("button", { name: "Cancel" }).isDisabled());

      await page.getByRole("button", { name: "Retry" }).click();
      await waitForStatus(page, "STARTED");
      assert.equal(await detail(page, "Attempts"), "2");
      await page.getByRole("button", { name: "Cancel" }).click();
      await waitForStatus(page, "REVOKED");
    });

    it("lists every user's tasks for the admin, filters them and pages through them", async () => {
      const headers = await bearer("root");
      const batch = await httpJson(`${stack.baseUrl}/task:batch`, {
        body: { tasks: Array.from({ length: 30 }, (_, i) => ({ type: "test.main.add", args: { x: i, y: 1 } })) },
        headers,
      });
      assert.equal(batch.status, 200, batch.text);
      await go(page, "#/tasks");
      const rows = page.locator("table.tasks tbody tr");
      await page.locator(".pager", { hasText: "page 1" }).waitFor();
      await rowsSettle(page, 25);
      assert.equal(await page.getByRole("columnheader", { name: "Owner" }).count(), 1);
      await page.getByRole("button", { name: "Older →" }).click();
      await page.locator(".pager", { hasText: "page 2" }).waitFor();
      // 30 adds, the pi, the sleep and alice's add: 8 on the second page.
      await rowsSettle(page, 8);
      assert.equal(await rows.filter({ hasText: "alice" }).count(), 1, "alice's task is listed for the admin");
      assert.ok(await page.getByRole("button", { name: "Older →" }).isDisabled());

      const filters = page.getByRole("form", { name: "Filters" });
      await filters.locator("[name=status]").selectOption("REVOKED");
      await page.waitForURL(/status=REVOKED/);
      await rowsSettle(page, 1, "demo.main.sleep");
      await filters.locator("[name=status]").selectOption("");
      await filters.locator("[name=type]").selectOption("demo.main.pi");
      await rowsSettle(page, 1, "demo.main.pi");
      await filters.locator("[name=created]").selectOption("15m");
      await page.waitForURL(/created=15m/);
      await rowsSettle(page, 1, "demo.main.pi");
      // Time bounds that no task of this run meets: created_before in the past, then created_after in the future.
      await filters.locator("[name=created]").selectOption("custom");
      await filters.locator("[name=to]").fill("2001-01-01T00:00");
      await page.waitForURL(/to=2001/);
      await page.getByText("No tasks match these filters.").waitFor();
      await filters.locator("[name=to]").fill("");
      await filters.locator("[name=from]").fill("2999-01-01T00:00");
      await page.waitForURL(/from=2999/);
      await page.getByText("No tasks match these filters.").waitFor();
      await go(page, "#/tasks");
      await rowsSettle(page, 25);
      await shot("tasks");
    });

    it("lists the worker with its heartbeat, queues and slots, and charts the last minutes", async () => {
      await go(page, "#/workers");
      const rows = page.locator("table.workers tbody tr");
      await rows.first().waitFor();
      assert.equal(await rows.count(), 1);
      const row = await rows.first().innerText();
      assert.match(row, /alive/);
      assert.match(row, /default/);
      assert.match(row, /\d+ \/ 8/, "in flight / concurrency");
      assert.equal(await page.locator(".error").count(), 0);
      await page.locator(".chart canvas").first().waitFor();
      assert.equal(await page.locator(".chart .u-title").count(), 2);
      const hour = page.waitForRequest((r) => r.url().endsWith("/tstasks.v1.MonitorService/GetTaskStats") && /"windowSeconds":3600\b/.test(r.postData() ?? ""));
      await page.getByLabel("Chart window").selectOption("3600");
      await hour;
      await shot("workers");
    });

    it("shows a user their own tasks only", async () => {
      const own = await openDashboard(browser, stack.baseUrl);
      try {
        await logIn(own.page, "alice", "wonderland");
        assert.equal(await own.page.getByRole("heading", { level: 1 }).innerText(), "Your tasks");
        await own.page.locator("table.tasks tbody tr").first().waitFor();
        assert.equal(await own.page.locator("table.tasks tbody tr").count(), 1);
        assert.match(await own.page.locator("table.tasks tbody tr").innerText(), /test\.main\.add/);
        assert.equal(await own.page.getByRole("columnheader", { name: "Owner" }).count(), 0);
        assert.deepEqual(await own.cspViolations(), []);
        assert.deepEqual(own.problems, []);
      } finally {
        await own.context.close();
      }
    });

    it("goes back to the login form when the server refuses the token (401), and on logout", async () => {
      await page.evaluate(`sessionStorage.setItem("tstasks.dashboard.token", sessionStorage.getItem("tstasks.dashboard.token").slice(0, -4) + "AAAA")`);
      await page.reload();
      await page.getByRole("form", { name: "Sign in" }).waitFor();
      assert.match(await page.locator(".notice").innerText(), /session has ended/);
      assert.equal(await page.evaluate(`sessionStorage.getItem("tstasks.dashboard.token")`), null);
      await logIn(page, "root", "toor");
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByRole("form", { name: "Sign in" }).waitFor();
      assert.equal(await page.evaluate(`sessionStorage.getItem("tstasks.dashboard.token")`), null);
      assert.deepEqual(await tab.cspViolations(), []);
      assert.deepEqual(tab.problems, []);
    });
  });
});

/** Tries to sign in with a wrong password: the form stays, with the server's refusal. */
async function logInFails(page: Page, user: string, password: string): Promise<void> {
  const form = page.getByRole("form", { name: "Sign in" });
  await form.locator("input[name=user]").fill(user);
  await form.locator("input[name=password]").fill(password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await form.locator(".error").waitFor();
  assert.match(await form.locator(".error").innerText(), /^unauthenticated: /);
}

/** The error text shown under a field of a form ("" for none). */
async function fieldError(form: ReturnType<Page["getByRole"]>, name: string): Promise<string> {
  const field = form.locator("label.field", { has: form.page().locator(`[name="${name}"]`) });
  const error = field.locator(".field-error");
  return (await error.count()) > 0 ? error.innerText() : "";
}

/** A value of the task page's details ("Attempts", "Worker"…). */
function detail(page: Page, name: string): Promise<string> {
  return page.locator(".details div", { has: page.locator("dt", { hasText: name }) }).locator("dd").innerText();
}

/** Waits until the task table shows `count` rows, each containing `text` when given. */
async function rowsSettle(page: Page, count: number, text = ""): Promise<void> {
  // Polled from here: the page's CSP (no eval) forbids page.waitForFunction's string predicates.
  await waitUntil(
    async () => {
      const rows = await page.locator("table.tasks tbody tr").allInnerTexts();
      return rows.length === count && rows.every((r) => r.includes(text));
    },
    { label: `${count} task rows${text ? ` of ${text}` : ""}` },
  );
}
