import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Waits `ms` milliseconds. When `signal` aborts first, rejects with a
 * ConnectError `Canceled` (the same code an aborted call gets), so callers
 * see one kind of cancellation error.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(canceled(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(canceled(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The ConnectError for an aborted signal: its reason when that is a ConnectError already, else `Canceled`. */
export function canceled(signal: AbortSignal): ConnectError {
  return ConnectError.from(signal.reason, Code.Canceled);
}
