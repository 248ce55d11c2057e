import type { Logger } from "../core/log/logger.js";

/** What the worker did with one message it could not run here. */
export type UnservedEvent = "deferred" | "failed" | "started" | "no_row";

/** A throttled log of messages a worker could not run; see {@link createUnservedLog}. */
export interface UnservedLog {
  /** Counts one message of `type` (for `no_row`, the type the message named). */
  note(type: string, event: UnservedEvent): void;
  /** Logs what was counted and not yet logged, and stops the timer. */
  close(): void;
}

interface Counts {
  deferred: number;
  failed: number;
  started: number;
  no_row: number;
}

const zero = (): Counts => ({ deferred: 0, failed: 0, started: 0, no_row: 0 });

/**
 * One log line per task type per interval instead of one per message: a
 * worker missing a type used to print a line for every handback, millions in
 * minutes. The first message of a type is logged at once, so an operator sees
 * the problem as soon as it starts; later ones are summed up every
 * `intervalMs` (default 60 000) while they keep coming. Lines are warnings
 * with the `type` and the counts (`handedBack`, `failed`, `startedElsewhere`,
 * `noRow`) as fields.
 */
export function createUnservedLog(worker: string, log: Logger, intervalMs = 60_000): UnservedLog {
  /** Counts not logged yet, by type; a type present here has been logged before. */
  const pending = new Map<string, Counts>();
  let timer: NodeJS.Timeout | undefined;

  const warn = (type: string, c: Counts, since: string): void => {
    const parts = [
      c.deferred && `${c.deferred} handed back for a worker that has it`,
      c.failed && `${c.failed} ended FAILURE NoWorkerForType`,
      c.started && `${c.started} running elsewhere, left to the queue`,
      c.no_row && `${c.no_row} dropped: no such task in the store`,
    ].filter(Boolean);
    log.warn(
      { type, handedBack: c.deferred, failed: c.failed, startedElsewhere: c.started, noRow: c.no_row },
      `${worker} cannot run task type ${type}${since}: ${parts.join(", ")}`,
    );
  };

  const flush = (): void => {
    for (const [type, c] of pending) {
      if (c.deferred + c.failed + c.started + c.no_row === 0) {
        pending.delete(type); // quiet for a whole interval: its next message is logged at once again
        continue;
      }
      warn(type, c, ` (last ${Math.round(intervalMs / 1000)} s)`);
      pending.set(type, zero());
    }
    if (pending.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    note(type, event) {
      const counts = pending.get(type);
      if (counts) {
        counts[event]++;
        return;
      }
      const first = zero();
      first[event] = 1;
      warn(type, first, "");
      pending.set(type, zero());
      if (!timer) {
        timer = setInterval(flush, intervalMs);
        timer.unref();
      }
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      for (const [type, c] of pending) {
        if (c.deferred + c.failed + c.started + c.no_row > 0) warn(type, c, " (since the last line)");
      }
      pending.clear();
    },
  };
}
