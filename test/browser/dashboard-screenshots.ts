/**
 * `npm run docs:screenshots`: the dashboard pictures of the README, taken
 * in real Chromium from a private stack (embedded store and queue, one
 * worker, the shipped taskpacks) after a minute and a half of mixed load:
 * docs/dashboard-tasks.png (the task list), docs/dashboard-task.png (a task
 * page with live progress) and docs/dashboard-workers.png (workers, queues,
 * throughput and latency). Builds the bundle first. Takes about three minutes.
 */
import { join } from "node:path";
import { hashPassword } from "../../server/auth/password-hash.js";
import { buildDashboard } from "../../server/dashboard/build-dashboard.js";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson } from "../support/http-json.js";
import { startStack } from "../support/stack.js";
import { go, launchChromium, progressAt, logIn, openDashboard, openTaskId, submitThroughForm } from "./dashboard-driver.js";

const DOCS = join(import.meta.dirname, "..", "..", "docs");
/** How long the load runs before the pictures, so the charts have a few minutes' shape. */
const LOAD_MS = 100_000;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** One task of the load: mostly quick successes, some failures, retries, waits and cancellations. */
function randomTask(): { type: string; args: object; delay_ms?: number } {
  const r = Math.random();
  if (r < 0.45) return { type: "test.main.add", args: { x: Math.floor(Math.random() * 100), y: 7 } };
  if (r < 0.6) return { type: "test.main.hypot", args: { x: Math.random() * 10, y: 4 } };
  if (r < 0.72) return { type: "demo.main.sleep", args: { ms: 200 + Math.floor(Math.random() * 2500) } };
  if (r < 0.8) return { type: "demo.main.pi", args: { samples: 200_000, chunks: 4, pauseMs: 150 } };
  if (r < 0.88) return { type: "demo.main.flaky", args: { failTimes: pick([1, 2, 9]) } };
  if (r < 0.94) return { type: "demo.main.refuse", args: { reason: "bad input file" } };
  return { type: "test.main.add", args: { x: 1, y: 2 }, delay_ms: 600_000 };
}

const [stack, browser] = await Promise.all([startStack({ backend: "embedded" }), launchChromium(), buildDashboard()]);
try {
  await stack.users.createUser({ name: "root", passwordHash: await hashPassword("toor"), allowedTasks: {}, roles: ["admin"] });
  const root = { authorization: `Bearer ${(await stack.tokens.issue({ name: "root", allowedTasks: {}, roles: ["admin"] })).token}` };
  const alice = { authorization: `Bearer ${(await stack.tokens.issue({ name: "alice", allowedTasks: {}, roles: [] })).token}` };

  console.log(`load for ${LOAD_MS / 1000} s…`);
  const end = Date.now() + LOAD_MS;
  while (Date.now() < end) {
    const tasks = Array.from({ length: 2 + Math.floor(Math.random() * 6) }, randomTask);
    const res = await httpJson(`${stack.baseUrl}/task:batch`, { body: { tasks }, headers: pick([root, root, alice]) });
    if (res.status !== 200) throw new Error(`batch: ${res.status} ${res.text}`);
    await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 1500));
  }
  // Two long ones to cancel, and one still running in the list.
  for (const ms of [120_000, 120_000, 120_000]) {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.sleep", args: { ms } }, headers: root });
    if (res.status !== 200) throw new Error(`submit: ${res.status} ${res.text}`);
  }
  const running = await waitUntil(async () => {
    const list = await httpJson(`${stack.baseUrl}/task?type=demo.main.sleep&status=STARTED&page_size=10`, { headers: root });
    const started = (list.body?.tasks ?? []).filter((t: { args: { ms: number } }) => t.args.ms === 120_000);
    return started.length === 3 && (started as { id: string }[]);
  });
  for (const t of running.slice(0, 2)) await httpJson(`${stack.baseUrl}/task/${t.id}/cancel`, { method: "POST", body: {}, headers: root });

  const tab = await openDashboard(browser, stack.baseUrl, { width: 1280, height: 900 });
  const { page } = tab;
  await logIn(page, "root", "toor");
  await page.locator("table.tasks tbody tr").nth(24).waitFor();
  await page.screenshot({ path: join(DOCS, "dashboard-tasks.png") });
  console.log("docs/dashboard-tasks.png");

  await submitThroughForm(page, "demo.main.pi", { samples: "50000000", chunks: "20", pauseMs: "300" });
  await openTaskId(page);
  await progressAt(page, (percent) => percent >= 40, 60_000);
  await page.screenshot({ path: join(DOCS, "dashboard-task.png") });
  console.log("docs/dashboard-task.png");

  await go(page, "#/workers");
  await page.locator("table.workers tbody tr").first().waitFor();
  await page.locator(".chart canvas").nth(1).waitFor();
  await page.screenshot({ path: join(DOCS, "dashboard-workers.png"), fullPage: true });
  console.log("docs/dashboard-workers.png");
  if (tab.problems.length > 0) throw new Error(`problems in the page: ${tab.problems.join("; ")}`);
} finally {
  await browser.close();
  await stack.stop();
}
