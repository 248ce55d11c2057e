/** Options for {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this many milliseconds. Default: 30 000. */
  timeoutMs?: number;
  /** Pause between two tries, in milliseconds. Default: 100. */
  intervalMs?: number;
  /** Names what is awaited in the timeout error. Default: "condition". */
  label?: string;
  /**
   * Checked before each try; a returned Error aborts the wait at once.
   * Lets a caller stop polling a server whose process already died.
   */
  abortReason?: () => Error | undefined;
}

/**
 * Calls `probe` until it resolves to a value other than `undefined`/`false`
 * and returns that value; a throwing probe counts as "not yet".
 *
 * @throws Error after `timeoutMs`, carrying the last probe error as `cause`,
 *   or the error given by `abortReason`.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false>,
  options: WaitUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, label = "condition" } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortReason?.();
    if (aborted) throw aborted;
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
