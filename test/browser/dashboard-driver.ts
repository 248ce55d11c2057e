/**
 * Drives the dashboard (`/ui`) in real Chromium for the dashboard test and
 * the `npm run docs:screenshots` script: Debian's Chromium through
 * playwright-core, never a downloaded browser.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Starts headless Chromium (`--no-sandbox`: CI runs as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
}

/** A tab on the dashboard, with what went wrong in it. */
export interface DashboardTab {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and failed requests (aborted streams excepted). */
  problems: string[];
  /** Content-Security-Policy violations of the page. */
  cspViolations(): Promise<string[]>;
}

/** Opens `/ui` of `baseUrl` in a new browser context (its own sessionStorage) at the given size. */
export async function openDashboard(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 860 }): Promise<DashboardTab> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => {
    // Leaving a task page aborts its event stream: expected, not a problem.
    const error = r.failure()?.errorText ?? "";
    if (error !== "net::ERR_ABORTED") problems.push(`failed: ${r.url()} ${error}`);
  });
  // Records CSP violations from before any of the page's scripts run (as text: the tests compile without the DOM's types).
  await page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`,
  });
  const answer = await page.goto(`${baseUrl}/ui`);
  if (answer?.status() !== 200) throw new Error(`/ui answered ${answer?.status()}`);
  return { context, page, problems, cspViolations: () => page.evaluate("window.cspViolations") as Promise<string[]> };
}

/** Fills the login form and waits for the signed-in header. */
export async function logIn(page: Page, user: string, password: string): Promise<void> {
  const form = page.getByRole("form", { name: "Sign in" });
  await form.locator("input[name=user]").fill(user);
  await form.locator("input[name=password]").fill(password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await page.locator("header.nav .who").waitFor();
}

/** Goes to a hash route of the dashboard ("#/workers"). */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

/**
 * Opens the form of task type `type` from the task types page, fills
 * `values` (field name → text; a checkbox takes "true"/"false") and
 * submits it. Resolves with the form (for its error messages).
 */
export async function submitThroughForm(page: Page, type: string, values: Record<string, string>) {
  await go(page, "#/types");
  await page.getByRole("link", { name: type, exact: true }).click();
  const form = page.getByRole("form", { name: `Submit ${type}` });
  await form.waitFor();
  for (const [name, value] of Object.entries(values)) {
    const input = form.locator(`[name="${name}"]`);
    if ((await form.locator(`select[name="${name}"]`).count()) > 0) await input.selectOption(value);
    else if ((await input.getAttribute("type")) === "checkbox") await input.setChecked(value === "true");
    else await input.fill(value);
  }
  await form.getByRole("button", { name: "Submit task" }).click();
  return form;
}

/** The id of the task whose page is open (from `#/task/<id>`), once the app has navigated there. */
export async function openTaskId(page: Page): Promise<string> {
  await page.waitForURL(/#\/task\/[0-9a-f-]{36}$/);
  return decodeURIComponent(page.url().split("#/task/")[1]!);
}

/** Waits until the task page's status badge reads `status`. */
export async function waitForStatus(page: Page, status: string, timeoutMs = 30_000): Promise<void> {
  await page.locator(".task-page .title-row .badge", { hasText: status }).waitFor({ timeout: timeoutMs });
}

/**
 * Waits until the task page's progress bar shows a percentage that `accept`
 * takes; resolves with it. Polled from Node: the page's CSP forbids the
 * eval behind `page.waitForFunction` with a string.
 */
export async function progressAt(page: Page, accept: (percent: number) => boolean, timeoutMs = 30_000): Promise<number> {
  const bar = page.getByRole("progressbar");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await bar.count()) > 0 ? Number(await bar.getAttribute("aria-valuenow")) : Number.NaN;
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`the progress bar did not reach an accepted value within ${timeoutMs} ms (last ${value})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
