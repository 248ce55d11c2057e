/**
 * Remembers message ids for a while so a repeat publish can be dropped,
 * like JetStream's `Nats-Msg-Id` duplicate window. Ids are forgotten in
 * the order they were first seen, so expiry is O(1) amortised.
 */
export class DuplicateWindow {
  readonly #windowMs: number;
  /** id → first seen (ms); Map keeps insertion order, which is time order. */
  readonly #seen = new Map<string, number>();

  /** @param windowMs how long an id blocks repeats; 0 disables deduplication. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * Records `id` at `now` and returns true when it is new, or false when
   * the same id was recorded less than the window ago. Call
   * {@link expire} with the same `now` first (once per batch is enough).
   */
  admit(id: string, now: number): boolean {
    if (this.#windowMs <= 0) return true;
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now);
    return true;
  }

  /** Forgets every id. */
  clear(): void {
    this.#seen.clear();
  }

  /** Forgets ids recorded a whole window or more before `now`. */
  expire(now: number): void {
    const cutoff = now - this.#windowMs;
    for (const [id, at] of this.#seen) {
      if (at > cutoff) return;
      this.#seen.delete(id);
    }
  }
}
