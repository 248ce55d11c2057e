/**
 * The end of a peer worker child's start (bench/children/*-worker.ts): prints
 * `ready` for startPeerWorker, then on SIGTERM or SIGINT runs `close` (the
 * peer's graceful stop) and exits 0.
 */
export function readyUntilSignal(close: () => Promise<unknown>): void {
  console.log("ready");
  const stop = async (): Promise<void> => {
    await close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}
