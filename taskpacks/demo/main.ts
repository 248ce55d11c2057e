/**
 * The `demo` pack: tasks that tests, docs and operators use to see how
 * tstasks behaves with long-running work.
 */
import { defineTask, NonRetryableError, z } from "tstasks/task";

/**
 * `demo.main.sleep({ms})`: waits `ms` milliseconds (at most one hour), then
 * returns `{ slept: ms }`. Honours its signal: stops at once when the task
 * is interrupted.
 */
export const sleep = defineTask({
  description: "Waits ms milliseconds, honouring cancellation",
  args: z.strictObject({ ms: z.int().min(0).max(3_600_000) }),
  run: async ({ ms }, ctx) => {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("interrupted"));
      };
      const timer = setTimeout(() => {
        ctx.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    return { slept: ms };
  },
});

/**
 * `demo.main.flaky({failTimes})`: throws on its first `failTimes` attempts,
 * then returns the attempt number. Retries up to 5 times by default, with a
 * short backoff, so it shows RETRY, `errors` and eventual SUCCESS (or, with
 * `failTimes` > retries, FAILURE after every attempt failed).
 */
export const flaky = defineTask({
  description: "Fails its first failTimes attempts, then returns the attempt number",
  args: z.strictObject({ failTimes: z.int().min(0).max(100) }),
  retries: 5,
  backoff: { initialMs: 200, factor: 2, maxMs: 2000 },
  run: ({ failTimes }, ctx) => {
    if (ctx.attempt <= failTimes) throw new Error(`attempt ${ctx.attempt} fails on purpose (failTimes ${failTimes})`);
    return ctx.attempt;
  },
});

/** `demo.main.refuse({reason})`: fails at once with a NonRetryableError, whatever the retry policy. */
export const refuse = defineTask({
  description: "Fails at once with a NonRetryableError",
  args: z.strictObject({ reason: z.string().max(200) }),
  retries: 5,
  run: ({ reason }) => {
    throw new NonRetryableError(reason);
  },
});

/**
 * `demo.main.ignoreCancel({ms})`: waits `ms` milliseconds and ignores its
 * signal, to show what happens to a task that does not cooperate: its late
 * result is discarded (a cancelled task stays REVOKED). Protected: it holds
 * a worker slot for up to ten minutes whatever happens, so only a token that
 * allows `demo.main.ignoreCancel` may submit it.
 */
export const ignoreCancel = defineTask({
  description: "Waits ms milliseconds, ignoring cancellation; needs an authorised token.",
  args: z.strictObject({ ms: z.int().min(0).max(600_000) }),
  protected: true,
  run: async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { slept: ms };
  },
});

/**
 * `demo.main.crash()`: kills its own worker process (SIGKILL), on every
 * attempt: a poison task, to watch tstasks give up on it (FAILURE
 * WorkerLost after 5 lost attempts) instead of redelivering it forever.
 * In embedded mode the worker process is the whole service, which is why
 * it is protected: only a token that allows `demo.main.crash` may submit it.
 */
export const crash = defineTask({
  description: "Kills its own worker process (a poison task); needs an authorised token.",
  args: z.strictObject({}),
  protected: true,
  run: () => {
    process.kill(process.pid, "SIGKILL");
    return null;
  },
});

/**
 * `demo.main.pi({samples, chunks, pauseMs?})`: estimates pi by Monte Carlo,
 * drawing `samples` random points in `chunks` chunks. After each chunk it
 * reports progress and logs the running estimate; between chunks it yields
 * (and waits `pauseMs`, to make a short run watchable) and stops at once
 * when its signal aborts. Returns `{ pi, samples }`.
 */
export const pi = defineTask({
  description: "Estimates pi by Monte Carlo in chunks, reporting progress (cancellable)",
  args: z.strictObject({
    samples: z.int().min(1).max(1_000_000_000).describe("random points to draw"),
    chunks: z.int().min(1).max(1000).default(10).describe("progress reports, one per chunk"),
    pauseMs: z.int().min(0).max(10_000).default(0).describe("wait after each chunk"),
  }),
  run: async ({ samples, chunks, pauseMs }, ctx) => {
    let inside = 0;
    let drawn = 0;
    for (let chunk = 1; chunk <= chunks; chunk++) {
      ctx.signal.throwIfAborted();
      const target = Math.round((samples * chunk) / chunks);
      for (; drawn < target; drawn++) {
        const x = Math.random();
        const y = Math.random();
        if (x * x + y * y <= 1) inside++;
      }
      const estimate = (4 * inside) / drawn;
      ctx.progress(chunk / chunks, `chunk ${chunk}/${chunks}`);
      ctx.log("info", `chunk ${chunk}/${chunks}: ${drawn} samples, pi ≈ ${estimate.toFixed(6)}`);
      // Yield between chunks so the signal (cancel, timeout, shutdown) can arrive.
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    return { pi: (4 * inside) / samples, samples };
  },
});
