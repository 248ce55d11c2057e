import type { ChainRecord } from "../../core/store/chain-record.js";
import { isFinalChainStatus } from "../../core/store/chain-record.js";
import type { ChainStore } from "../../core/store/chain-store.js";

/** Options of {@link watchChain}. */
export interface WatchChainOptions {
  /** Ends the watch quietly (client gone, server shutting down). */
  signal: AbortSignal;
  /** How often to re-read the chain, in ms. Default 300. */
  pollMs?: number;
}

/**
 * The chain `first` (as just read) and then, polling the store every
 * `pollMs`, the chain each time it (its status, step or a step's task)
 * changed, until it is final: the last value is the final chain. Ends
 * quietly when `signal` aborts.
 */
export async function* watchChain(store: Pick<ChainStore, "getChain">, first: ChainRecord, options: WatchChainOptions): AsyncGenerator<ChainRecord, void, undefined> {
  const pollMs = options.pollMs ?? 300;
  let last = JSON.stringify(first);
  yield first;
  let current = first;
  while (!isFinalChainStatus(current.status)) {
    if (!(await sleep(pollMs, options.signal))) return;
    const next = await store.getChain(current.id);
    if (!next) return;
    const text = JSON.stringify(next);
    if (text === last) continue;
    last = text;
    current = next;
    yield next;
  }
}

/** Waits `ms`; false when `signal` aborted first (or already had). */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
