import { requireNatsServer } from "./find-binary.js";
import { freePort } from "./free-port.js";
import { startManagedProcess } from "./managed-process.js";
import type { ManagedProcess } from "./managed-process.js";
import { makeTempDir } from "./temp-dir.js";
import { waitUntil } from "./wait-until.js";
import { jetStreamAnswers } from "./with-jetstream-manager.js";

/** Options for {@link startNats}. */
export interface NatsServerOptions {
  /** How long a start or restart may take, in milliseconds. Default: 30 000. */
  startTimeoutMs?: number;
}

/** A private NATS server with JetStream for one test process. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>`; no auth. */
  readonly url: string;
  /** TCP port on 127.0.0.1; stays the same across {@link restart}. */
  readonly port: number;
  /** Graceful shutdown (SIGTERM), then removes the JetStream store. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs the server, as a crash would; the JetStream store is kept for {@link restart}. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port and store (after {@link kill},
   * or after a graceful stop if it is still running) and waits until
   * JetStream answers.
   * @throws after {@link stop}, since the store is gone.
   */
  restart(): Promise<void>;
}

/**
 * Starts a private `nats-server -js` on a free 127.0.0.1 port with its
 * JetStream store in a fresh directory under `os.tmpdir()`, and waits until
 * JetStream answers. The binary comes from PATH or `/usr/sbin/nats-server`.
 *
 * The server is SIGKILLed and its store removed when the test process exits,
 * if the test has not stopped it before.
 */
export async function startNats(options: NatsServerOptions = {}): Promise<NatsServer> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const binary = requireNatsServer();
  const store = makeTempDir("tstasks-nats-");
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let current: ManagedProcess | undefined;
  let removed = false;

  const launch = async (): Promise<void> => {
    const proc = await startManagedProcess(
      binary,
      ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store.path],
      { label: "nats-server", cwd: store.path },
    );
    current = proc;
    try {
      await waitUntil(() => jetStreamAnswers(url), {
        timeoutMs: startTimeoutMs,
        label: `nats-server JetStream on port ${port}`,
        abortReason: () => proc.exitError(),
      });
    } catch (err) {
      await proc.terminate("SIGKILL");
      throw err;
    }
  };

  try {
    await launch();
  } catch (err) {
    await store.remove();
    throw err;
  }

  return {
    url,
    port,
    async stop() {
      await current?.terminate("SIGTERM");
      if (!removed) {
        removed = true;
        await store.remove();
      }
    },
    async kill() {
      await current?.terminate("SIGKILL");
    },
    async restart() {
      if (removed) throw new Error("nats-server: cannot restart after stop(): its store is gone");
      await current?.terminate("SIGTERM");
      await launch();
    },
  };
}
