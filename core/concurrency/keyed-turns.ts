/** One holder's place in a {@link KeyedTurns} line. */
export interface Turn {
  /** Resolves when every earlier turn of the same key is done. */
  readonly ready: Promise<void>;
  /** Ends this turn (idempotent): the next turn of the key may go. */
  done(): void;
}

/**
 * First-come, first-served turns per key: work on one key runs one after
 * the other, work on different keys side by side. Keys whose line is empty
 * are forgotten, so it holds only the keys in use.
 */
export class KeyedTurns {
  /** Per key: resolves when the last turn taken so far is done. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Joins the line of `key`; await `ready`, then call `done()` (also when the work fails). */
  take(key: string): Turn {
    const before = this.#tails.get(key);
    let release!: () => void;
    const finished = new Promise<void>((resolve) => (release = resolve));
    const tail = before ? before.then(() => finished) : finished;
    this.#tails.set(key, tail);
    let ended = false;
    return {
      ready: before ?? Promise.resolve(),
      done: () => {
        if (ended) return;
        ended = true;
        release();
        // The last in line forgets the key once it is done.
        void tail.then(() => {
          if (this.#tails.get(key) === tail) this.#tails.delete(key);
        });
      },
    };
  }

  /** Keys with a turn taken and not done (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
