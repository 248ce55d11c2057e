/**
 * A counting semaphore for "at most N handlers at once", with FIFO waiters
 * and a way to wake every waiter when the consumer stops.
 */
export class Slots {
  readonly #limit: number;
  #used = 0;
  #waiters: Array<(granted: boolean) => void> = [];
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  /** @param limit most slots held at once; an integer ≥ 1. */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
    }
    this.#limit = limit;
  }

  /** Slots held right now. */
  get used(): number {
    return this.#used;
  }

  /**
   * Takes a slot, waiting for one if all are held.
   * @returns true when a slot was taken (release it later), false when
   *   {@link close} was called before one became free.
   */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#used < this.#limit) {
      this.#used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives a slot back; hands it straight to the oldest waiter if any. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) {
      next(true); // the slot passes on; `used` stays the same
      return;
    }
    this.#used--;
    if (this.#used === 0) {
      const idle = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Refuses further acquires and answers every waiter with false. */
  close(): void {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(false);
  }

  /** Resolves once no slot is held (at once if none is). */
  idle(): Promise<void> {
    if (this.#used === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
