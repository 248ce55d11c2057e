import { execFile } from "node:child_process";
import { chown, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { debianPostgresBinDirs, isExecutable, requireBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";
import { startManagedProcess } from "./managed-process.js";
import type { ManagedProcess } from "./managed-process.js";
import { lookupSystemUser } from "./system-user.js";
import { makeTempDir } from "./temp-dir.js";
import { waitUntil } from "./wait-until.js";

const execFileAsync = promisify(execFile);

/** Options for {@link startPostgres}. */
export interface PostgresServerOptions {
  /** Database created at start and named in `url`. Default: "tstasks_test". */
  database?: string;
  /** How long a start or restart may take, in milliseconds. Default: 60 000. */
  startTimeoutMs?: number;
  /**
   * Keep Postgres's durability on (fsync, synchronous_commit): needed by
   * tests that SIGKILL the server and then count on what was committed, as
   * production does. Default: false (faster, for throw-away data).
   */
  durable?: boolean;
}

/** A private PostgreSQL server for one test process. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>`; trust auth, no password. */
  readonly url: string;
  /** TCP port on 127.0.0.1; stays the same across {@link restart}. */
  readonly port: number;
  /**
   * Creates another empty database on this server.
   * @returns its URL, like {@link url}.
   * @throws when the name is not a plain lower-case identifier or already exists.
   */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown (open sessions are ended), then removes the data directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs the postmaster, as a crash would; the data directory is kept for {@link restart}. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port and data directory (after
   * {@link kill}, or after a fast shutdown if it is still running) and waits
   * until it accepts connections.
   * @throws after {@link stop}, since the data directory is gone.
   */
  restart(): Promise<void>;
}

/** Where initdb and postgres are: the same folder when possible, so their versions match. */
function findPostgresBinaries(): { initdb: string; postgres: string } {
  const extraDirs = debianPostgresBinDirs();
  const initdb = requireBinary("initdb", extraDirs);
  const sibling = join(dirname(initdb), "postgres");
  const postgres = isExecutable(sibling) ? sibling : requireBinary("postgres", extraDirs);
  return { initdb, postgres };
}

/** Marks a start attempt whose process exited by itself, which is worth retrying. */
class ExitedDuringStart extends Error {}

/** A URL for `database` on the local server at `port`. */
function urlFor(port: number, database: string): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}

/** Rejects names that would need quoting beyond a plain identifier, so SQL stays simple. */
function assertPlainIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`invalid database name ${JSON.stringify(name)}: use [a-z_][a-z0-9_]*`);
  }
}

/** Opens one connection, runs `sql`, closes it. */
async function runSql(port: number, database: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(port, database), connectionTimeoutMillis: 5_000 });
  // A server that dies mid-call emits "error" on the client; without a listener that would crash.
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Starts a private PostgreSQL for tests: `initdb` into a fresh directory under
 * `os.tmpdir()` (trust auth, superuser `postgres`), then `postgres` on a free
 * 127.0.0.1 port with durability switched off (fsync, synchronous_commit,
 * full_page_writes) because test data is throw-away. Creates the database
 * `options.database` (default "tstasks_test").
 *
 * Binaries come from PATH, else the newest `/usr/lib/postgresql/<ver>/bin`.
 * PostgreSQL refuses to run as root, so as root both run as the `postgres`
 * system user, which then owns the directory.
 *
 * The server is SIGKILLed and its directory removed when the test process
 * exits, if the test has not stopped it before.
 */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const database = options.database ?? "tstasks_test";
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  assertPlainIdentifier(database);
  const binaries = findPostgresBinaries();
  const runAs = process.getuid?.() === 0 ? lookupSystemUser("postgres") : undefined;
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};

  const root = makeTempDir("tstasks-pg-", runAs);
  const dataDir = join(root.path, "data");
  const socketDir = join(root.path, "socket");
  try {
    await mkdir(socketDir);
    if (runAs) await chown(socketDir, runAs.uid, runAs.gid);
    // --no-sync and --no-locale: faster, and no dependence on the machine's locales.
    await execFileAsync(
      binaries.initdb,
      ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"],
      // cwd: initdb as another user may not be allowed into the caller's folder.
      { ...ids, cwd: root.path, maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: unknown) => {
      const stderr = (err as { stderr?: string }).stderr ?? "";
      throw new Error(`initdb failed: ${stderr}`, { cause: err });
    });
  } catch (err) {
    await root.remove();
    throw err;
  }

  const port = await freePort();
  let current: ManagedProcess | undefined;
  let removed = false;

  /** One attempt to run postgres until it answers; rejects if it exits first. */
  const launchOnce = async (deadline: number): Promise<void> => {
    const proc = await startManagedProcess(
      binaries.postgres,
      [
        "-D", dataDir,
        "-p", String(port),
        "-k", socketDir,
        "-c", "listen_addresses=127.0.0.1",
        ...(options.durable
          ? []
          : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
      ],
      { label: "postgres", cwd: root.path, ...ids },
    );
    current = proc;
    try {
      await waitUntil(
        async () => {
          await runSql(port, "postgres", "select 1");
          return true;
        },
        {
          timeoutMs: Math.max(deadline - Date.now(), 1),
          label: `postgres on port ${port}`,
          abortReason: () => proc.exitError(),
        },
      );
    } catch (err) {
      const died = proc.exited;
      await proc.terminate("SIGKILL");
      throw died ? new ExitedDuringStart("postgres exited during start", { cause: err }) : err;
    }
  };

  /**
   * Starts postgres, retrying while an attempt exits early: right after a
   * SIGKILL the orphaned backends may still hold the old shared memory, and
   * postgres refuses to start until they are gone.
   */
  const launch = async (): Promise<void> => {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        await launchOnce(deadline);
        return;
      } catch (err) {
        if (!(err instanceof ExitedDuringStart) || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  try {
    await launch();
    await runSql(port, "postgres", `create database "${database}"`);
  } catch (err) {
    await current?.terminate("SIGKILL");
    await root.remove();
    throw err;
  }

  return {
    url: urlFor(port, database),
    port,
    async createDatabase(name) {
      assertPlainIdentifier(name);
      await runSql(port, "postgres", `create database "${name}"`);
      return urlFor(port, name);
    },
    async stop() {
      // SIGINT is postgres' "fast" shutdown: it ends open sessions instead of
      // waiting for them, so a leaked pool cannot hang the test.
      await current?.terminate("SIGINT");
      if (!removed) {
        removed = true;
        await root.remove();
      }
    },
    async kill() {
      await current?.terminate("SIGKILL");
    },
    async restart() {
      if (removed) throw new Error("postgres: cannot restart after stop(): its data directory is gone");
      await current?.terminate("SIGINT");
      await launch();
    },
  };
}
