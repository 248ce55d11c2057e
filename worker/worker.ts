import { createBatcher } from "../core/batch/batcher.js";
import type { Consumer, Delivery, TaskQueue } from "../core/queue/task-queue.js";
import type { ReleaseAttempt, StartAttempt, StartResult, TaskOutcome, UnservedPolicy, UnservedResult } from "../core/store/task-record.js";
import type { TaskStore } from "../core/store/task-store.js";
import type { TaskTypeRecord } from "../core/store/task-type-record.js";
import type { LoadedTask } from "./packs/loaded-task.js";
import { runTask } from "./run-task.js";
import { createAttemptReporter } from "./attempt-reporter.js";
import { createExclusiveGate, type GateRelease } from "./exclusive-gate.js";
import { backoffDelayMs } from "../core/task/backoff.js";
import { checkWithin } from "./health/check-within.js";
import type { ConsumerState, WorkerHealth } from "./health/worker-health.js";
import { createUnservedLog } from "./unserved-log.js";
import { PrioritySlots } from "../core/concurrency/priority-slots.js";
import { waitForRunSlot } from "./wait-for-run-slot.js";
import { KeyedTurns } from "../core/concurrency/keyed-turns.js";
import type { Registry } from "prom-client";
import { createWorkerObserver, type AttemptObservation } from "./metrics/worker-observer.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";
import { taskFields } from "../core/log/task-fields.js";
import { mayFollowUp } from "../core/queue/follow-up.js";
import { createFollowUpKick } from "./follow-up-kick.js";
import { argsToRun } from "./gather-args.js";
import { createLimitGate } from "./limit-gate.js";
import type { TaskErrorInfo } from "../core/task/task-error.js";
import { priorityOrDefault } from "../core/task/priority.js";

/** What a worker needs; every field but the first four is optional. */
export interface WorkerOptions {
  store: TaskStore;
  queue: TaskQueue;
  /** The task types this worker runs (from loadTaskpacks). */
  tasks: readonly LoadedTask[];
  /** Unique name, recorded on every attempt it runs. */
  name: string;
  /** Tasks claimed and running at once. Default 16. */
  concurrency?: number;
  /**
   * Deliveries taken from the queue beyond `concurrency`, waiting here
   * (unclaimed, their ack wait kept alive by heartbeats) for a run slot.
   * They keep the claims and outcome writes batched while the slots turn
   * over; a task's slot is held by its claim and its run, not by its
   * outcome's write and ack. More means bigger batches; it also means
   * tasks one busy worker holds while another may be idle. Default: `concurrency`.
   */
  prefetch?: number;
  /** How often the catalog registration is refreshed. Default 30 000 ms. */
  catalogRefreshMs?: number;
  /** How often a running task tells the queue it is still alive. Default 10 000 ms. */
  heartbeatMs?: number;
  /**
   * On stop, how long running tasks may take to finish before their signal
   * is aborted; a task that then ends without a result (or has not stopped
   * within `timeoutGraceMs` more, and is abandoned) is released: PENDING
   * again in the store, not counted as a lost attempt, and handed back to
   * the queue so another worker runs it at once. Default 30 000 ms.
   */
  shutdownGraceMs?: number;
  /** After a task's time limit (or the shutdown grace), how long it has to stop before it is abandoned. Default 5000 ms. */
  timeoutGraceMs?: number;
  /**
   * A task whose attempts ended this many times without an outcome (its
   * worker crashed, was killed, or lost NATS/Postgres) ends FAILURE
   * WorkerLost instead of being redelivered forever. Default 5. (Tasks that
   * were running beside a task that crashes its worker lose attempts too;
   * a higher limit spares them, a lower one gives up on poison sooner.)
   */
  maxLostAttempts?: number;
  /**
   * What happens to a message of a task type this worker lacks (another
   * worker of the queue may have it: a rolling deploy; or none has: a pack
   * removed). The row is parked in the store and queued again after
   * `firstDelayMs` (default 1000), doubling per handback up to `maxDelayMs`
   * (default 60 000); after `maxHandbacks` handbacks (default 20, about
   * 15 minutes) or `maxAgeMs` since the first (default 3 600 000) the task
   * ends FAILURE NoWorkerForType.
   */
  unserved?: Partial<UnservedPolicy>;
  /** Lines about messages it cannot run come at most once per type per this interval. Default 60 000 ms. */
  unservedLogIntervalMs?: number;
  /**
   * Deliveries waiting here for a run slot get one in priority order, a
   * waiting one moving up a level per this many ms since it was due (see
   * core/concurrency/priority-slots.ts). Default 5000 ms.
   */
  priorityAgingMs?: number;
  /** How long {@link Worker.health} waits for the queue and the store to answer. Default 2000 ms. */
  healthTimeoutMs?: number;
  /**
   * The registry its metrics go to (started, succeeded, failed, retried;
   * queue wait, run time, submit to final: see worker/metrics). Default:
   * none kept. Its `run` and `result write` spans need no option: they are
   * recorded when tracing is on (core/telemetry).
   */
  metrics?: Registry;
  /**
   * Where its lines go; it binds `worker: name` to each. Lines about a task
   * carry `taskId`, `type` and `attempt`: a start and a success at debug (so
   * nothing per task at info), a failure or retry at warn with the error as
   * `err`, and trouble with the store or queue at warn. Default: the
   * process's root logger, component `worker`.
   */
  log?: Logger;
  /**
   * How long a concurrency lease outlives its worker: a running task's lease
   * is renewed every third of it, so a worker that died frees its keys after
   * at most this (100 ms to a day). Default: 3 × `heartbeatMs`, at least 1000 ms.
   */
  leaseTtlMs?: number;
}

/** A worker process's task loop. */
export interface Worker {
  /** Registers the catalog and starts consuming the queues of its tasks. */
  start(): Promise<void>;
  /**
   * Stops pulling and lets running tasks finish; after the shutdown grace
   * their signals are aborted and they are released and handed back (a task
   * that ignores its signal is abandoned after `timeoutGraceMs` more, and
   * its late result is never recorded). Then resolves.
   */
  stop(): Promise<void>;
  /** The queues it consumes. */
  readonly queues: readonly string[];
  /** Attempts running right now. */
  readonly running: number;
  /** Messages it could not run here, counted since start. */
  readonly counters: WorkerCounters;
  /**
   * Whether it can work right now: pings the queue and the store (each
   * bounded by `healthTimeoutMs`) and reports its consumer's state. Ready
   * only when both answer and the consumer is running; a worker that lost
   * NATS or Postgres reconnects by itself and is ready again once both
   * answer. Never rejects.
   */
  health(): Promise<WorkerHealth>;
}

/** What a worker did with messages it could not run, since it started. */
export interface WorkerCounters {
  /** Acked and dropped: the store has no such task (deleted, or published by hand). */
  droppedNoRow: number;
  /** Of a type it lacks: parked in the store, to be queued again for a worker that has it. */
  handedBack: number;
  /** Of a type it lacks, past the bound: ended FAILURE NoWorkerForType. */
  failedNoWorker: number;
}

/** Default {@link WorkerOptions.unserved}. */
export const DEFAULT_UNSERVED_POLICY: UnservedPolicy = {
  firstDelayMs: 1000,
  maxDelayMs: 60_000,
  maxHandbacks: 20,
  maxAgeMs: 3_600_000,
};

/** One attempt in progress, as the worker tracks it. */
interface RunningAttempt {
  /** Its attempt number. */
  attempt: number;
  abort: AbortController;
  /** Why its signal was aborted, if it was. */
  why?: "shutdown" | "cancel" | "timeout";
  /** Stops waiting for the attempt (it ignored its signal); its outcome then never applies. */
  letGo: () => void;
}

/** Delay before a delivery is handed back when a backend failed. */
const BACKEND_RETRY_MS = 1000;
/** Longest single wait for a delayed task before it is looked at again. */
const MAX_DELAY_STEP_MS = 60 * 60_000;
/** First delay before a message of a type this worker lacks, whose task another worker runs, comes back. */
const STARTED_ELSEWHERE_RETRY_MS = 2000;

/**
 * Creates a worker. Per delivery it claims the task in the store (skipping
 * tasks that are already final or revoked), runs it, records the outcome
 * (guarded by the attempt number), and only then acks. A failure of the
 * store or queue hands the delivery back, so nothing is lost.
 */
export function createWorker(options: WorkerOptions): Worker {
  const { store, queue, name } = options;
  const log = (options.log ?? defaultLogger().child({ component: "worker" })).child({ worker: name });
  const byName = new Map(options.tasks.map((t) => [t.name, t]));
  const queues = [...new Set(options.tasks.map((t) => t.definition.queue))].sort();
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const concurrency = options.concurrency ?? 16;
  const prefetch = options.prefetch ?? concurrency;
  if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`prefetch must be an integer >= 0, got ${prefetch}`);
  // Claimed and running tasks; the consumer's own limit (concurrency + prefetch) bounds deliveries in hand.
  // By priority (see waitForRunSlot), so the prefetched deliveries of higher priority start first.
  const runSlots = new PrioritySlots(concurrency, { agingMs: options.priorityAgingMs });
  /** Running attempts by task id. */
  const running = new Map<string, RunningAttempt>();
  // Deliveries of one task claim one at a time, each after the attempt the previous one started is in
  // `running`: a duplicate message of a task running here (two publishers of one queueing, a redelivery
  // racing its ack) then names that attempt in its claim and is dropped, rather than claimed as if this
  // worker had lost the attempt, which would run the task a second time beside the first.
  const claimTurns = new KeyedTurns();
  const timeoutGraceMs = options.timeoutGraceMs ?? 5000;
  const maxLostAttempts = options.maxLostAttempts ?? 5;
  let unsubscribeCancels: (() => void) | undefined;
  let consumer: Consumer | undefined;
  let refresh: NodeJS.Timeout | undefined;
  /** Set by stop(): an attempt claimed from now on is handed back instead of started. */
  let stopping = false;
  let consumerState: ConsumerState = "starting";
  const healthTimeoutMs = options.healthTimeoutMs ?? 2000;

  const claim = createBatcher<StartAttempt, StartResult>((items) => store.startTasks(items));
  const finish = createBatcher<TaskOutcome, boolean>((items) => store.finishTasks(items));
  const release = createBatcher<ReleaseAttempt, boolean>((items) => store.releaseTasks(items));
  const unservedPolicy: UnservedPolicy = { ...DEFAULT_UNSERVED_POLICY, ...options.unserved };
  const deferUnserved = createBatcher<string, UnservedResult>((ids) => store.deferUnservedTasks(ids, unservedPolicy));
  const unservedLog = createUnservedLog(name, log, options.unservedLogIntervalMs);
  const counters: WorkerCounters = { droppedNoRow: 0, handedBack: 0, failedNoWorker: 0 };
  // ctx.progress / ctx.log of each attempt, stored and published as live events.
  const reportFor = createAttemptReporter({ store, events: queue, log });
  // Quarantine: an attempt of a task that was running when a worker died runs alone, so a task
  // that takes its worker down again takes only itself down, never the tasks beside it.
  const gate = createExclusiveGate();
  // Metrics and spans of each attempt: nothing per task without a registry and with tracing off.
  const observer = createWorkerObserver({ registry: options.metrics, worker: name });
  // Queues a group's gather task as soon as the outcome that made it is recorded (the dispatcher stays the guarantee).
  const kickFollowUps = createFollowUpKick(store, queue, log);
  // Concurrency keys and rate limits (worker/limit-gate.ts): only types with one of them ever reach it.
  const limits = createLimitGate({ store, holder: name, leaseTtlMs: options.leaseTtlMs ?? Math.max(1000, 3 * heartbeatMs), log });

  const catalog: TaskTypeRecord[] = options.tasks.map((t) => ({
    name: t.name,
    queue: t.definition.queue,
    protected: t.definition.protected,
    argsSchema: t.argsSchema,
    description: t.definition.description,
    pack: t.pack,
    packVersion: t.packVersion,
    priority: priorityOrDefault(t.definition.priority),
  }));

  const handle = async (delivery: Delivery): Promise<void> => {
    const message = delivery.message;
    const task = byName.get(message.type);
    if (!task) {
      await handOver(delivery);
      return;
    }
    const waitMs = (message.runAt ?? 0) - Date.now();
    if (waitMs > 0) {
      // A delayed run: hand it back until it is due (in steps, so a long delay never outlives a nak limit).
      delivery.nak(Math.min(waitMs, MAX_DELAY_STEP_MS));
      return;
    }
    // Waiting for the quarantine to end and for a run slot, the delivery is unclaimed: heartbeats keep its
    // ack wait from running out, so no other worker gets it meanwhile.
    const waiting = setInterval(() => delivery.working(), heartbeatMs);
    let unpin: GateRelease | undefined;
    try {
      unpin = await runSlot(delivery);
    } finally {
      clearInterval(waiting);
    }
    if (unpin === undefined) {
      // Stopping, or it gave way to a higher priority (makeRoom): it was never claimed, so another worker
      // (or this one, later) takes it at once.
      delivery.nak();
      return;
    }
    let slotHeld = true;
    const freeSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      runSlots.release();
    };
    try {
      // Before the claim: a task whose key is busy or whose rate is spent goes back unclaimed (PENDING, no attempt used).
      const admitted = task.definition.concurrency || task.definition.rateLimit ? await limits.admit(delivery, task) : undefined;
      if (admitted?.kind === "wait") {
        delivery.nak(admitted.delayMs);
        return;
      }
      try {
        await claimAndRun(delivery, task, freeSlot, unpin, admitted?.refusal);
      } finally {
        // Another attempt of this task running here (a duplicate delivery) holds the same lease: keep it.
        admitted?.done(running.has(message.id));
      }
    } finally {
      freeSlot();
      unpin();
    }
  };

  /**
   * Waits until no quarantined attempt runs or waits here and a run slot is
   * free, and takes the slot and a pin on the gate. Never claim while a
   * quarantined attempt runs or waits: a task claimed only to wait would be
   * counted lost with it if that attempt takes the worker down again. (The
   * slot is taken after the wait, and given back if a quarantine began
   * meanwhile, since the quarantined attempt needs a slot itself.) The pin,
   * taken in the same tick as the check, holds off a quarantined attempt
   * until this delivery's claim is settled: running under the gate, or given
   * back to the store (see claimAndRunInTurn), never claimed beside it.
   * Slots go by the delivery's priority (see waitForRunSlot).
   * @returns the pin's release, or undefined when the worker is stopping or
   *   the delivery gave way to a higher one (makeRoom).
   */
  const runSlot = async (delivery: Delivery): Promise<GateRelease | undefined> => {
    for (;;) {
      if (gate.busy) await gate.clear();
      if (!(await waitForRunSlot(runSlots, delivery))) return undefined;
      if (!gate.busy) return gate.pin();
      runSlots.release();
    }
  };

  /**
   * Claims the task of a delivery that holds a run slot and a gate pin, runs
   * it and settles it; calls `freeSlot` once it stopped running, and `unpin`
   * once it holds the gate as it runs (it may be called again later).
   */
  const claimAndRun = async (delivery: Delivery, task: LoadedTask, freeSlot: () => void, unpin: GateRelease, refusal?: TaskErrorInfo): Promise<void> => {
    const turn = claimTurns.take(delivery.message.id);
    try {
      await turn.ready;
      await claimAndRunInTurn(delivery, task, freeSlot, turn.done, unpin, refusal);
    } finally {
      turn.done();
    }
  };

  /** {@link claimAndRun} once it is this delivery's turn to claim; calls `endTurn` once its attempt is in `running`. */
  const claimAndRunInTurn = async (
    delivery: Delivery,
    task: LoadedTask,
    freeSlot: () => void,
    endTurn: () => void,
    unpin: GateRelease,
    refusal?: TaskErrorInfo,
  ): Promise<void> => {
    const message = delivery.message;
    let claimed: StartResult;
    try {
      claimed = await claim({ id: message.id, worker: name, runningAttempt: running.get(message.id)?.attempt });
    } catch (e) {
      log.warn({ ...taskFields(message.id, message.type), err: e }, "could not claim the task; will retry");
      delivery.nak(BACKEND_RETRY_MS);
      return;
    }
    if (!claimed.run) {
      if (claimed.status === "STARTED") {
        // A duplicate of the attempt running here (this message redelivered while that attempt ran, say
        // through a stall). Leave it unsettled: JetStream applies an ack to the message, not to one delivery,
        // so acking it would drop the message while that attempt may yet be superseded by another worker's
        // claim and handed back to PENDING, and the task would never run again. The running attempt's
        // heartbeats keep the message, and its outcome settles it.
        return;
      }
      // Final, revoked or unknown in the store of record: nothing to run.
      if (claimed.reason === "not_found") {
        counters.droppedNoRow++;
        unservedLog.note(message.type, "no_row");
      }
      delivery.ack();
      return;
    }
    if (stopping) {
      // Claimed while the worker began to stop: starting it now would only mean aborting it later.
      await handBack(delivery, claimed.attempt);
      return;
    }
    const record = claimed.record;
    if (record.lostAttempts >= maxLostAttempts) {
      // It took its worker down (or was stranded) this many times: a poison task; stop redelivering it.
      await fail(
        delivery,
        claimed.attempt,
        "WorkerLost",
        `${record.lostAttempts} attempts ended without an outcome (the worker crashed, was killed or lost its connections); giving up`,
      );
      return;
    }
    if (task.definition.protected && record.permission !== record.type) {
      // The API records the permission it checked; a row without it did not come through the API.
      await fail(
        delivery,
        claimed.attempt,
        "PermissionDenied",
        `task type ${record.type} is protected and this task was not submitted with a token that allows it; the worker refused to run it`,
      );
      return;
    }
    if (refusal) {
      // Its concurrency key function failed: trying again cannot help.
      await fail(delivery, claimed.attempt, refusal.type, refusal.message);
      return;
    }
    if (gate.busy) {
      // A quarantined attempt waits here. Claims go out in batches, so this one may have been claimed
      // together with it: waiting for the gate while claimed, it would be counted lost with that attempt
      // if it takes the worker down again. Give the claim back (not a lost attempt) instead, still pinned,
      // so the quarantined attempt starts only once the store has it back; the redelivery waits for the
      // quarantine unclaimed (runSlot), or runs on another worker.
      await handBack(delivery, claimed.attempt);
      return;
    }
    // A gather task's input (its group's results) is read now; the store unreachable: hand it back, as a failed claim.
    const args = await argsToRun(store, record).catch((e: unknown) => void log.warn({ ...taskFields(message.id, record.type, claimed.attempt), err: e }, "could not read the task's input; will retry"));
    if (args === undefined) return handBack(delivery, claimed.attempt);
    const abort = new AbortController();
    let letGo = (): void => {};
    // Resolves when the worker stops waiting for an attempt that ignores its signal.
    const abandoned = new Promise<undefined>((resolve) => {
      letGo = () => resolve(undefined);
    });
    const run: RunningAttempt = { attempt: claimed.attempt, abort, letGo };
    const timeoutMs = record.timeoutMs ?? task.definition.timeoutMs;
    let deadline: NodeJS.Timeout | undefined;
    let abandon: NodeJS.Timeout | undefined;
    running.set(message.id, run);
    endTurn();
    // A retry may start a new attempt here while this one still winds down: each removes only itself.
    const notRunning = (): void => {
      if (running.get(message.id) === run) running.delete(message.id);
    };
    const heartbeat = setInterval(() => delivery.working(), heartbeatMs);
    const holding = record.lostAttempts > 0 ? gate.exclusive() : gate.shared();
    // Unpinned once its own hold is queued: an exclusive hold waits for every other pin, never for its own.
    unpin();
    const releaseGate = await holding;
    // The worker began to stop while it waited: starting it now would only mean aborting it later.
    if (stopping) run.why ??= "shutdown";
    if (run.why !== undefined) {
      // Cancelled or shutting down while it waited for its turn: it never started.
      clearInterval(heartbeat);
      notRunning();
      releaseGate();
      freeSlot();
      if (run.why === "cancel") delivery.ack(); // the store says REVOKED already
      else await handBack(delivery, claimed.attempt);
      return;
    }
    const report = reportFor(message.id, claimed.attempt, record.type);
    queue.publishEvents([{ kind: "status", taskId: message.id, status: "STARTED", attempt: claimed.attempt }]);
    const observed = observer.runStarted(message, record, claimed.attempt);
    if (log.isLevelEnabled("debug")) log.debug(taskFields(message.id, record.type, claimed.attempt), "task started");
    let outcome;
    try {
      // The store's row, not the message, is the record of what to run.
      const attempt = observed.within(() => runTask(task, { ...message, type: record.type, args }, {
        taskId: message.id,
        type: message.type,
        attempt: claimed.attempt,
        signal: abort.signal,
        worker: name,
        progress: report.progress,
        log: report.log,
      }));
      if (timeoutMs > 0) {
        deadline = setTimeout(() => {
          run.why ??= "timeout";
          abort.abort(new Error(`task ran longer than its ${timeoutMs} ms limit`));
        }, timeoutMs);
        // A task that ignores its signal is let go after the grace; its late result is never recorded.
        abandon = setTimeout(letGo, timeoutMs + timeoutGraceMs);
      }
      outcome = await Promise.race([attempt, abandoned]);
    } finally {
      observed.ran(outcome);
      clearTimeout(deadline);
      clearTimeout(abandon);
      clearInterval(heartbeat);
      notRunning();
      releaseGate();
      // The outcome's write and ack need no run slot: the next task may start meanwhile.
      freeSlot();
      // Progress and log lines are stored before the outcome, so a watcher sees them first.
      await report.close();
    }
    if (run.why === "cancel") {
      // Cancelled: the store says REVOKED already, and no outcome of this attempt applies.
      if (log.isLevelEnabled("debug")) log.debug(taskFields(message.id, record.type, claimed.attempt), "task cancelled while it ran");
      delivery.ack();
      return;
    }
    if (run.why === "timeout") {
      const stopped = outcome !== undefined;
      await fail(
        delivery,
        claimed.attempt,
        "DeadlineExceeded",
        `ran longer than its ${timeoutMs} ms limit${stopped ? "" : `; it did not stop within ${timeoutGraceMs} ms of its signal and was abandoned`}`,
        observed,
      );
      return;
    }
    if (outcome === undefined || (!outcome.ok && run.why === "shutdown")) {
      // Interrupted (or abandoned) by shutdown, not failed: let another worker take it at once.
      await handBack(delivery, claimed.attempt);
      return;
    }
    if (outcome.ok) {
      if (log.isLevelEnabled("debug")) log.debug(taskFields(message.id, record.type, claimed.attempt), "task succeeded");
      await settle(delivery, { id: message.id, attempt: claimed.attempt, status: "SUCCESS", result: outcome.result }, 0, observed);
      return;
    }
    const maxRetries = record.maxRetries ?? task.definition.retries;
    // Retries are spent by failed attempts (the errors recorded so far, plus this one), not by attempt
    // numbers: an attempt released at shutdown spends none, and lost ones have their own limit.
    const failures = record.errors.filter((e) => e.attempt > 0).length + 1;
    if (outcome.retryable && failures <= maxRetries) {
      // Record the attempt's error (status RETRY), then hand the message back for the next attempt after the backoff.
      const delayMs = backoffDelayMs(failures, task.definition.backoff);
      log.warn(
        { ...taskFields(message.id, record.type, claimed.attempt), err: outcome.thrown instanceof Error ? outcome.thrown : outcome.error, retryInMs: delayMs },
        `task failed (${outcome.error.type}); retry ${failures} of ${maxRetries} in ${delayMs} ms`,
      );
      await settle(delivery, { id: message.id, attempt: claimed.attempt, status: "RETRY", error: outcome.error }, delayMs, observed);
      return;
    }
    log.warn(
      { ...taskFields(message.id, record.type, claimed.attempt), err: outcome.thrown instanceof Error ? outcome.thrown : outcome.error },
      `task failed (${outcome.error.type})${outcome.retryable ? `, no retries left (${maxRetries})` : ", not retryable"}`,
    );
    await settle(delivery, { id: message.id, attempt: claimed.attempt, status: "FAILURE", error: outcome.error }, 0, observed);
  };

  /**
   * A message of a type this worker lacks. Another worker of the queue may
   * have the type, so it is neither run nor failed at once; and it must not
   * sit in the queue as a delayed nak either, since those stay pending and
   * enough of them fill the consumer's ack-pending limit, starving the tasks
   * this worker can run. So the row is checked and parked in the store (the
   * outbox dispatcher queues it again after a growing delay) and the message
   * acked; past the bound the task fails. The store is written before the ack,
   * so a crash in between leaves a duplicate message at worst, never none.
   */
  const handOver = async (delivery: Delivery): Promise<void> => {
    const { id, type } = delivery.message;
    let result: UnservedResult;
    try {
      result = await deferUnserved(id);
    } catch (e) {
      log.warn({ ...taskFields(id, type), err: e }, "could not hand back a task of a type this worker lacks; will retry");
      delivery.nak(BACKEND_RETRY_MS);
      return;
    }
    switch (result.outcome) {
      case "deferred":
        counters.handedBack++;
        unservedLog.note(type, "deferred");
        delivery.ack();
        return;
      case "failed":
        counters.failedNoWorker++;
        observer.recorded(delivery.message, "FAILURE");
        unservedLog.note(type, "failed");
        queue.publishEvents([{ kind: "status", taskId: id, status: "FAILURE", attempt: result.attempt }]);
        delivery.ack();
        return;
      case "started":
        // Another worker's attempt holds the task (or held it and vanished): leave the message to the
        // queue, with a delay that grows with its deliveries; the claim of a worker with the type decides.
        unservedLog.note(type, "started");
        delivery.nak(Math.min(unservedPolicy.maxDelayMs, STARTED_ELSEWHERE_RETRY_MS * 2 ** Math.min(20, delivery.deliveryCount - 1)));
        return;
      case "not_found":
        counters.droppedNoRow++;
        unservedLog.note(type, "no_row");
        delivery.ack();
        return;
      case "final":
        delivery.ack();
        return;
    }
  };

  /**
   * Records the outcome, then acks (or, for RETRY, hands the message back
   * after `retryDelayMs`); if the store is down, hands it back to try again.
   * An outcome that did not apply (a newer attempt holds the task, or it is
   * final) leaves the delivery unsettled. An applied outcome is counted in
   * the metrics; `observed` (the attempt that ran) adds its timings and spans.
   */
  const settle = async (delivery: Delivery, outcome: TaskOutcome, retryDelayMs = 0, observed?: AttemptObservation): Promise<void> => {
    try {
      if (!(await observer.writing(observed, finish(outcome), outcome.status))) {
        // This attempt was superseded: the message was redelivered while it ran and a newer
        // attempt claimed the task. JetStream applies an older delivery's ack to the message
        // itself, so acking here would drop the newer attempt's message, and if that worker
        // then died the task would stay STARTED forever. Leave it to the newer attempt, whose
        // heartbeats hold the message until it settles it; if that one dies too, the message
        // comes back after the ack wait and the claim finds the task final (acked then) or
        // lost (run again). Also a final task (e.g. revoked meanwhile) is acked that way.
        return;
      }
      observer.recorded(delivery.message, outcome.status, observed);
      queue.publishEvents([{ kind: "status", taskId: outcome.id, status: outcome.status, attempt: outcome.attempt }]);
      if (outcome.status === "RETRY") delivery.nak(retryDelayMs);
      else delivery.ack();
      if (outcome.status !== "RETRY" && mayFollowUp(delivery.message)) kickFollowUps();
    } catch (e) {
      log.warn({ ...taskFields(outcome.id, delivery.message.type, outcome.attempt), err: e }, `could not record the outcome (${outcome.status}); will retry`);
      delivery.nak(BACKEND_RETRY_MS);
    }
  };

  /**
   * Releases an attempt interrupted by shutdown (PENDING again, not a lost
   * attempt), then naks so another worker takes it at once. If the store is
   * down the nak still goes out; the next claim then counts a lost attempt.
   */
  const handBack = async (delivery: Delivery, attempt: number): Promise<void> => {
    try {
      if (!(await release({ id: delivery.message.id, attempt }))) {
        // Superseded (a newer attempt holds the task) or final: like a result that did not apply
        // (see settle), this delivery must not settle the message the newer attempt depends on.
        return;
      }
      queue.publishEvents([{ kind: "status", taskId: delivery.message.id, status: "PENDING", attempt }]);
      if (log.isLevelEnabled("debug")) log.debug(taskFields(delivery.message.id, delivery.message.type, attempt), "task released for another worker");
    } catch (e) {
      log.warn({ ...taskFields(delivery.message.id, delivery.message.type, attempt), err: e }, "could not release the task; handing it back anyway");
    }
    delivery.nak();
  };

  /** Ends the attempt as FAILURE with an error of the worker's own (not thrown by the task). */
  const fail = (delivery: Delivery, attempt: number, type: string, message: string, observed?: AttemptObservation): Promise<void> => {
    log.warn({ ...taskFields(delivery.message.id, delivery.message.type, attempt), err: { type, message } }, `task failed (${type})`);
    return settle(delivery, { id: delivery.message.id, attempt, status: "FAILURE", error: { type, message } }, 0, observed);
  };

  return {
    queues,
    get running() {
      return running.size;
    },
    get counters() {
      return { ...counters };
    },
    async health() {
      const [queueCheck, storeCheck] = await Promise.all([
        checkWithin(() => queue.ping(), healthTimeoutMs),
        checkWithin(() => store.ping(), healthTimeoutMs),
      ]);
      const consumerNow = consumerState;
      return {
        ready: queueCheck === "ok" && storeCheck === "ok" && consumerNow === "running",
        checks: { queue: queueCheck, store: storeCheck, consumer: consumerNow },
      };
    },
    async start() {
      await store.registerTaskTypes(catalog);
      unsubscribeCancels = queue.onCancel((id) => {
        const run = running.get(id);
        if (run && !run.abort.signal.aborted) {
          run.why = "cancel";
          run.abort.abort(new Error(`task ${id} was cancelled`));
        }
      });
      refresh = setInterval(() => {
        store.registerTaskTypes(catalog).catch((e: unknown) => log.warn({ err: e }, "catalog refresh failed; will retry"));
      }, options.catalogRefreshMs ?? 30_000);
      refresh.unref();
      if (queues.length === 0) {
        log.warn(`${name} has no task types; it consumes nothing`);
        if (!stopping) consumerState = "idle";
        return;
      }
      consumer = await queue.consume({ queues, concurrency: concurrency + prefetch, makeRoom: (p, since) => runSlots.displace(p, since) }, handle);
      if (!stopping) consumerState = "running";
      log.info({ queues, taskTypes: options.tasks.length }, `${name} consumes ${queues.join(", ")} with ${options.tasks.length} task types`);
    },
    async stop() {
      stopping = true;
      // Deliveries waiting for a run slot were never claimed: they go back at once.
      runSlots.close();
      consumerState = "stopping";
      clearInterval(refresh);
      let letGoAfter: NodeJS.Timeout | undefined;
      const grace = setTimeout(() => {
        for (const run of running.values()) {
          run.why ??= "shutdown";
          run.abort.abort(new Error("worker is shutting down"));
        }
        // Attempts that ignore their signal would hold the shutdown forever: stop waiting for them.
        letGoAfter = setTimeout(() => {
          for (const run of running.values()) run.letGo();
        }, timeoutGraceMs);
      }, options.shutdownGraceMs ?? 30_000);
      try {
        await consumer?.stop();
      } finally {
        clearTimeout(grace);
        clearTimeout(letGoAfter);
        unsubscribeCancels?.();
        unservedLog.close();
        consumerState = "stopped";
      }
    },
  };
}
