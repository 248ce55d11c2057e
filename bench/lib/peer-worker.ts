import { join } from "node:path";
import { startChild, type Child } from "./child.js";
import { memoryMiB } from "./procfs.js";

/**
 * A peer's worker process (bench/children/*-worker.ts): it prints `ready`
 * once it consumes, and `first <ns>` with the hrtime of its first handler
 * start (see bench/lib/peer-child.ts).
 */
export interface PeerWorker {
  child: Child;
  /** hrtime when the process was spawned. */
  spawnedNs: bigint;
  /** hrtime of its first handler start. */
  firstStart: Promise<bigint>;
  /** VmRSS once it printed `ready`, MiB; undefined without /proc. */
  idleRssMiB: number | undefined;
}

/**
 * Starts `bench/children/<script>` with `args` under tsx and waits up to 60 s
 * for its `ready` (SIGKILLed and rethrown otherwise). `label` prefixes its
 * output, echoed when `verbose`.
 */
export async function startPeerWorker(script: string, args: readonly string[], label: string, verbose: boolean): Promise<PeerWorker> {
  const benchDir = join(import.meta.dirname, "..");
  const spawnedNs = process.hrtime.bigint();
  let resolveFirst: (ns: bigint) => void = () => {};
  const firstStart = new Promise<bigint>((resolve) => (resolveFirst = resolve));
  const child = await startChild(process.execPath, ["--import", "tsx", join(benchDir, "children", script), ...args], {
    label,
    cwd: join(benchDir, ".."),
    echo: verbose,
    onLine: (line) => {
      if (line.startsWith("first ")) resolveFirst(BigInt(line.slice("first ".length)));
    },
  });
  try {
    await child.waitForLine((line) => line === "ready", 60_000);
  } catch (err) {
    await child.stop("SIGKILL");
    throw err;
  }
  return { child, spawnedNs, firstStart, idleRssMiB: memoryMiB(child.pid, "VmRSS") };
}
