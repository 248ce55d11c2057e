/** An AbortController that also aborts when a parent signal does; `dispose()` detaches it from the parent. */
export interface LinkedAbort {
  controller: AbortController;
  signal: AbortSignal;
  /** Detaches from the parent and clears the timer (call when done, so long-lived parents do not collect listeners). */
  dispose(): void;
}

/**
 * A controller linked to `parent` (if any) that, with `timeoutMs`, also
 * aborts on its own with `timeoutReason()` after that many ms. Written out
 * rather than `AbortSignal.any` so that Node 20.0–20.2 and older browsers work.
 */
export function linkedAbort(parent?: AbortSignal, timeoutMs?: number, timeoutReason?: () => unknown): LinkedAbort {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onAbort, { once: true });
  const timer =
    timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => controller.abort(timeoutReason ? timeoutReason() : undefined), timeoutMs)
      : undefined;
  return {
    controller,
    signal: controller.signal,
    dispose() {
      parent?.removeEventListener("abort", onAbort);
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
