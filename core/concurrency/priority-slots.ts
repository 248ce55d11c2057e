import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, priorityOrDefault } from "../task/priority.js";

/** Default {@link PrioritySlotsOptions.agingMs}: a waiter moves up one level per 5 s waited. */
export const DEFAULT_PRIORITY_AGING_MS = 5000;

/** Options of {@link PrioritySlots}. */
export interface PrioritySlotsOptions {
  /**
   * A waiter's effective priority rises by one for each this many ms it has
   * waited, so low ones still run under a steady stream of high ones.
   * Default {@link DEFAULT_PRIORITY_AGING_MS}.
   */
  agingMs?: number;
  /** The clock, in epoch ms (tests pass their own). Default `Date.now`. */
  now?: () => number;
}

/** How an {@link PrioritySlots.acquire} ended. */
export type SlotAnswer =
  /** A slot is held: release it later. */
  | "granted"
  /** {@link PrioritySlots.close} was called first. */
  | "closed"
  /** {@link PrioritySlots.displace} picked this waiter to give way to a higher one. */
  | "displaced";

interface Waiter {
  readonly priority: number;
  /** Epoch ms its wait counts from. */
  readonly since: number;
  /** Arrival order: the last tie-break. */
  readonly seq: number;
  readonly resolve: (answer: SlotAnswer) => void;
}

/**
 * A counting semaphore whose waiters are served by priority: when a slot
 * frees, the waiter with the highest effective priority gets it, where
 *
 *     effective = priority + floor((now - since) / agingMs)
 *
 * and `since` is when the waiter's work became due. Among equal effective
 * priorities the one waiting longest (smallest `since`, then first to ask)
 * goes first, so one priority alone is served first in, first out. The aging
 * is what keeps a priority-1 waiter from starving: after 9 aging steps it
 * ranks with fresh priority-10 ones, and being older it then goes first.
 *
 * Waiters are kept in one FIFO per level, so picking one looks at ten heads,
 * whatever the number of waiters.
 */
export class PrioritySlots {
  readonly #limit: number;
  readonly #agingMs: number;
  readonly #now: () => number;
  /** Index `priority - 1`: the waiters of that level in arrival order. */
  readonly #levels: Waiter[][] = Array.from({ length: MAX_PRIORITY }, () => []);
  #waiting = 0;
  #seq = 0;
  #used = 0;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  /**
   * @param limit most slots held at once; an integer ≥ 1.
   * @throws RangeError for another limit or an `agingMs` that is not > 0.
   */
  constructor(limit: number, options: PrioritySlotsOptions = {}) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
    }
    const agingMs = options.agingMs ?? DEFAULT_PRIORITY_AGING_MS;
    if (!(agingMs > 0)) throw new RangeError(`priority aging must be > 0 ms, got ${agingMs}`);
    this.#limit = limit;
    this.#agingMs = agingMs;
    this.#now = options.now ?? Date.now;
  }

  /** Slots held right now. */
  get used(): number {
    return this.#used;
  }

  /** Acquires waiting right now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Takes a slot if one is free at once (and nobody waits); never waits. */
  tryAcquire(): boolean {
    if (this.#closed || this.#used >= this.#limit) return false;
    this.#used++;
    return true;
  }

  /**
   * Takes a slot, waiting for one if all are held.
   * @param priority 1 to 10 (anything else counts as 5).
   * @param since epoch ms the wait counts from for the aging (default: now);
   *   e.g. when the message became due, so time it waited elsewhere counts.
   */
  acquire(priority: number = DEFAULT_PRIORITY, since?: number): Promise<SlotAnswer> {
    if (this.tryAcquire()) return Promise.resolve("granted");
    if (this.#closed) return Promise.resolve("closed");
    const level = priorityOrDefault(priority);
    return new Promise((resolve) => {
      this.#levels[level - 1]!.push({ priority: level, since: since ?? this.#now(), seq: this.#seq++, resolve });
      this.#waiting++;
    });
  }

  /** Gives a slot back; hands it straight to the waiter that ranks first, if any. */
  release(): void {
    const next = this.#take(this.#first());
    if (next) {
      next.resolve("granted"); // the slot passes on; `used` stays the same
      return;
    }
    this.#used--;
    if (this.#used === 0) {
      const idle = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  /**
   * Makes room for work of `priority` (due since `since`) that waits
   * elsewhere: the waiter ranking last, if it ranks below that work, stops
   * waiting with "displaced" (its owner hands its work back, which frees
   * whatever it held upstream).
   * @returns true when a waiter was displaced.
   */
  displace(priority: number, since?: number): boolean {
    if (this.#waiting === 0) return false;
    const now = this.#now();
    const challenger = this.#effective(priorityOrDefault(priority), since ?? now, now);
    let last: Waiter | undefined;
    let lastRank = Infinity;
    for (let i = MIN_PRIORITY - 1; i < MAX_PRIORITY; i++) {
      const level = this.#levels[i]!;
      // The newest of a level ranks lowest in it.
      const tail = level[level.length - 1];
      if (tail === undefined) continue;
      const rank = this.#effective(tail.priority, tail.since, now);
      if (rank < lastRank || (rank === lastRank && last !== undefined && this.#before(last, tail))) {
        last = tail;
        lastRank = rank;
      }
    }
    if (last === undefined || lastRank >= challenger) return false;
    this.#levels[last.priority - 1]!.pop();
    this.#waiting--;
    last.resolve("displaced");
    return true;
  }

  /** Refuses further acquires and answers every waiter with "closed". */
  close(): void {
    this.#closed = true;
    for (const level of this.#levels) {
      const waiters = level.splice(0);
      for (const w of waiters) w.resolve("closed");
    }
    this.#waiting = 0;
  }

  /** Resolves once no slot is held (at once if none is). */
  idle(): Promise<void> {
    if (this.#used === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The waiter that ranks first, or undefined when none waits. */
  #first(): Waiter | undefined {
    if (this.#waiting === 0) return undefined;
    const now = this.#now();
    let best: Waiter | undefined;
    let bestRank = -Infinity;
    for (let i = MAX_PRIORITY - 1; i >= MIN_PRIORITY - 1; i--) {
      const head = this.#levels[i]![0];
      if (head === undefined) continue;
      const rank = this.#effective(head.priority, head.since, now);
      if (rank > bestRank || (rank === bestRank && best !== undefined && this.#before(head, best))) {
        best = head;
        bestRank = rank;
      }
    }
    return best;
  }

  /** Removes `waiter` (the head of its level) from the waiters. */
  #take(waiter: Waiter | undefined): Waiter | undefined {
    if (waiter === undefined) return undefined;
    this.#levels[waiter.priority - 1]!.shift();
    this.#waiting--;
    return waiter;
  }

  #effective(priority: number, since: number, now: number): number {
    return priority + Math.floor(Math.max(0, now - since) / this.#agingMs);
  }

  /** True when `a` goes before `b` among equal effective priorities: waiting longer, else asked first. */
  #before(a: Waiter, b: Waiter): boolean {
    return a.since !== b.since ? a.since < b.since : a.seq < b.seq;
  }
}
