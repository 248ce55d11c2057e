import { createBatcher } from "../core/batch/batcher.js";
import type { Delivery } from "../core/queue/task-queue.js";
import type { LeaseRef, LeaseRequest, LeaseResult, LimitStore, TokenRequest, TokenResult } from "../core/store/limit-store.js";
import type { TaskErrorInfo } from "../core/task/task-error.js";
import { busyKeyDelayMs, concurrencyKeyOf } from "../core/task/task-limits.js";
import type { Logger } from "../core/log/logger.js";
import { taskFields } from "../core/log/task-fields.js";
import type { LoadedTask } from "./packs/loaded-task.js";

/** Options of {@link createLimitGate}. */
export interface LimitGateOptions {
  store: LimitStore;
  /** The worker's name: the holder of its leases. */
  holder: string;
  /** A lease not renewed for this long expires (its worker died); renewed every third of it. */
  leaseTtlMs: number;
  log: Logger;
}

/**
 * What to do with a delivery of a limited type:
 * - `run`: claim and run it; `refusal`, when set, says to fail the attempt
 *   at once instead (its key function failed); call `done(keep)` once the
 *   attempt is over (`keep`: another attempt of this task runs here and
 *   holds the lease, so it stays);
 * - `wait`: its key is busy or its rate is spent: hand it back (nak) for
 *   `delayMs`, unclaimed, so it uses no attempt and stays PENDING.
 */
export type Admission =
  | { kind: "run"; refusal?: TaskErrorInfo; done(keep: boolean): void }
  | { kind: "wait"; delayMs: number; why: "key" | "rate" | "store" };

/** The worker's side of concurrency keys and rate limits. */
export interface LimitGate {
  /**
   * Takes the lease and then the token a delivery of `task` needs (a task
   * type with neither option must not be passed: it needs nothing). The
   * lease goes first because it can be given back when no token is left;
   * a token cannot. Never rejects: a store failure answers `wait`.
   */
  admit(delivery: Delivery, task: LoadedTask): Promise<Admission>;
}

/** Wait before a delivery comes back when the store failed to answer. */
const STORE_RETRY_MS = 1000;

/** Nothing to give back. */
const NOTHING = (): void => {};

/**
 * Creates the gate (throws a RangeError for a `leaseTtlMs` outside 100 ms to
 * a day). Its store calls are batched like the worker's claims
 * (no added delay; calls arriving while two are in flight go out together),
 * so a burst of limited deliveries costs a few round trips, not one each.
 */
export function createLimitGate(options: LimitGateOptions): LimitGate {
  const { store, holder, leaseTtlMs, log } = options;
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 100 || leaseTtlMs > 86_400_000) {
    throw new RangeError(`leaseTtlMs must be a whole number of ms from 100 to 86400000, got ${leaseTtlMs}`);
  }
  const acquire = createBatcher<LeaseRequest, LeaseResult>((items) => store.acquireLeases(items));
  const takeToken = createBatcher<TokenRequest, TokenResult>((items) => store.takeTokens(items));
  const renew = createBatcher<LeaseRef, boolean>((items) => store.renewLeases(items, leaseTtlMs));
  const release = createBatcher<LeaseRef, void>(async (items) => {
    await store.releaseLeases(items);
    return items.map(() => undefined);
  });
  const renewEveryMs = Math.max(1, Math.floor(leaseTtlMs / 3));

  /** Gives a lease back; if the store is down, the lease expires after its TTL instead. */
  const giveBack = (ref: LeaseRef, type: string): void => {
    release(ref).catch((e: unknown) => log.warn({ ...taskFields(ref.taskId, type), err: e }, `could not release a concurrency lease; it expires within ${leaseTtlMs} ms`));
  };

  /** Keeps a lease alive while its attempt runs; returns the `done` that stops and releases it. */
  const hold = (ref: LeaseRef, type: string): ((keep: boolean) => void) => {
    const timer = setInterval(() => {
      renew(ref).then(
        (held) => {
          if (!held) log.warn(taskFields(ref.taskId, type), "a concurrency lease was lost (it expired and another worker took it over)");
        },
        (e: unknown) => log.warn({ ...taskFields(ref.taskId, type), err: e }, "could not renew a concurrency lease; will retry"),
      );
    }, renewEveryMs);
    timer.unref();
    let done = false;
    return (keep) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      if (!keep) giveBack(ref, type);
    };
  };

  return {
    async admit(delivery, task) {
      const { id, type } = delivery.message;
      const { concurrency, rateLimit } = task.definition;
      let done: (keep: boolean) => void = NOTHING;
      if (concurrency) {
        // The key needs the parsed args. Args that do not parse run unlimited: the attempt fails
        // InvalidArguments before `run` (see runTask), so nothing limited ever runs.
        const parsed = task.definition.args.safeParse(delivery.message.args);
        if (!parsed.success) return { kind: "run", done: NOTHING };
        const key = concurrencyKeyOf(concurrency.key, parsed.data);
        if (!key.ok) return { kind: "run", refusal: key.error, done: NOTHING };
        let lease: LeaseResult;
        try {
          lease = await acquire({ type, key: key.key, taskId: id, max: concurrency.max, holder, ttlMs: leaseTtlMs });
        } catch (e) {
          log.warn({ ...taskFields(id, type), err: e }, "could not take a concurrency lease; will retry");
          return { kind: "wait", delayMs: STORE_RETRY_MS, why: "store" };
        }
        if (!lease.granted) return { kind: "wait", delayMs: busyKeyDelayMs(delivery.deliveryCount), why: "key" };
        done = hold({ taskId: id, holder }, type);
      }
      if (rateLimit) {
        let token: TokenResult;
        try {
          token = await takeToken({ type, perSecond: rateLimit.perSecond, burst: rateLimit.burst });
        } catch (e) {
          done(false);
          log.warn({ ...taskFields(id, type), err: e }, "could not take a rate limit token; will retry");
          return { kind: "wait", delayMs: STORE_RETRY_MS, why: "store" };
        }
        if (!token.granted) {
          done(false);
          // Up to a quarter more: workers refused at the same moment do not all come back at once.
          return { kind: "wait", delayMs: Math.ceil(token.waitMs * (1 + Math.random() / 4)), why: "rate" };
        }
      }
      return { kind: "run", done };
    },
  };
}
