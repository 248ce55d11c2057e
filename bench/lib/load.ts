import { msBetween } from "./stats.js";

/**
 * Closed loop: runs `call(0 … total-1)` with `inFlight` calls outstanding at
 * any time until all are done. The first failure stops the run and is thrown.
 *
 * @returns the calls per second over the whole run.
 */
export async function closedLoop(total: number, inFlight: number, call: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  let failure: unknown;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, total) }, async () => {
      while (failure === undefined && next < total) {
        const i = next++;
        try {
          await call(i);
        } catch (err) {
          failure ??= err;
        }
      }
    }),
  );
  if (failure !== undefined) throw failure;
  return total / (msBetween(start, process.hrtime.bigint()) / 1000);
}

/**
 * Open loop: starts `call(i)` for i = 0 … count-1 at `perSecond` calls per
 * second on schedule, whether earlier calls have finished or not, then
 * waits for all. A timer that fires late starts every call that is due.
 * The first failure is thrown after all have settled.
 */
export async function openLoop(count: number, perSecond: number, call: (i: number) => Promise<void>): Promise<void> {
  const intervalNs = BigInt(Math.round(1e9 / perSecond));
  const start = process.hrtime.bigint();
  const pending: Promise<void>[] = [];
  let failure: unknown;
  for (let i = 0; i < count; i++) {
    const due = start + BigInt(i) * intervalNs;
    const waitMs = msBetween(process.hrtime.bigint(), due);
    if (waitMs > 0.5) await new Promise((resolve) => setTimeout(resolve, waitMs));
    pending.push(
      call(i).catch((err: unknown) => {
        failure ??= err;
      }),
    );
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
}
