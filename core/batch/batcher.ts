/** Options of {@link createBatcher}. */
export interface BatcherOptions {
  /** Most items in one call of the flush function. Default 500. */
  maxBatch?: number;
  /** Most flushes running at once. Default 2. */
  maxConcurrent?: number;
}

/** Adds one item to the next batch; resolves with that item's own result. */
export type Batched<I, O> = (item: I) => Promise<O>;

/**
 * Coalesces concurrent single-item calls into batched calls of `flush`,
 * adding no delay: an item is flushed at once when a flush slot is free, and
 * items that arrive while all slots are busy wait and go out together in the
 * next batch. Under light load every call is its own batch (lowest latency);
 * under heavy load batches grow (fewer round trips).
 *
 * `flush` must return one result per item, in order. If it throws, every
 * item of that batch rejects with the error.
 */
export function createBatcher<I, O>(flush: (items: I[]) => Promise<O[]>, options: BatcherOptions = {}): Batched<I, O> {
  const maxBatch = options.maxBatch ?? 500;
  const maxConcurrent = options.maxConcurrent ?? 2;
  let waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;

  const pump = (): void => {
    while (running < maxConcurrent && waiting.length > 0) {
      const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
      waiting = batch === waiting ? [] : waiting.slice(maxBatch);
      running++;
      flush(batch.map((w) => w.item))
        .then(
          (results) => {
            if (results.length !== batch.length) {
              throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
            }
            batch.forEach((w, i) => w.resolve(results[i] as O));
          },
        )
        .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // Defer to the end of the current tick so synchronous bursts batch up.
      if (waiting.length === 1) queueMicrotask(pump);
    });
}
