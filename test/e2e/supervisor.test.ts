import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../harness/free-port.js";
import { startManagedProcess, type ManagedProcess } from "../harness/managed-process.js";
import { startNats, type NatsServer } from "../harness/nats-server.js";
import { startPostgres, type PostgresServer } from "../harness/postgres-server.js";
import { registerExitCleanup } from "../harness/process-cleanup.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { waitUntil } from "../harness/wait-until.js";

// Issue 10: a supervisor (systemd, a container runtime, a script) that
// SIGKILLs the process it started must leave no server behind holding the
// port, whether it runs `npm run server` or the documented direct command.

const REPO = join(import.meta.dirname, "../..");
/** How long everything may take to be gone after the kill: the npm watch polls every 500 ms. */
const GONE_WITHIN_MS = 5_000;

/** One process as /proc shows it; `start` (clock ticks since boot) tells a reused pid apart. */
interface ProcInfo {
  pid: number;
  ppid: number;
  start: string;
  argv: string[];
}

/** Reads /proc/<pid>; undefined when the process is gone or is a zombie (it has exited, holds no port). */
function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid … starttime(22nd)"; comm may contain spaces and ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
    return { pid, ppid: Number(fields[1]), start: fields[19]!, argv };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (children, their children, …). */
function descendants(root: number): ProcInfo[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procInfo(Number(name)))
    .filter((p): p is ProcInfo => p !== undefined);
  const found: ProcInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** True while the very process `p` (same pid, same start time) still runs. */
function stillRuns(p: ProcInfo): boolean {
  return procInfo(p.pid)?.start === p.start;
}

function describeProc(p: ProcInfo): string {
  return `${p.pid} (parent ${p.ppid}): ${p.argv.join(" ")}`;
}

/**
 * True when `GET /ping` on 127.0.0.1:`port` answers 200. Over a connection of
 * its own that is closed after the answer: an idle keep-alive connection
 * would hold the server's graceful close for its whole grace.
 */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/ping", agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode === 200));
    });
    req.once("timeout", () => req.destroy(new Error("GET /ping timed out")));
    req.once("error", reject);
  });
}

/** True when nothing answers on 127.0.0.1:`port` and a new listener can bind it. */
async function portIsFree(port: number): Promise<boolean> {
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
  if (!refused) return false;
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Kills every process of a tree the test started (best effort, synchronous):
 * used in `finally` and at test-process exit, so a failure never leaves a
 * server running.
 */
function killAll(procs: readonly ProcInfo[]): void {
  for (const p of procs) {
    if (!stillRuns(p)) continue;
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

describe("stopped by a supervisor [real]", () => {
  let postgres: PostgresServer;
  let nats: NatsServer;
  let data: TempDir;
  before(async () => {
    [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
    data = makeTempDir("tstasks-supervised-");
  });
  after(async () => {
    await Promise.all([postgres?.stop(), nats?.stop(), data?.remove()]);
  });

  /** What a supervisor gives the service: a plain environment, no npm variables of an outer `npm test`. */
  const serviceEnv = (port: number): NodeJS.ProcessEnv => ({
    PATH: process.env["PATH"],
    HOME: process.env["HOME"],
    DATABASE_URL: postgres.url,
    NATS_URL: nats.url,
    PORT: String(port),
    HOST: "127.0.0.1",
    TSTASKS_DATA_DIR: data.path,
    npm_config_update_notifier: "false",
  });

  /**
   * Starts `command args` in the repository as a supervisor would, waits
   * until `GET /ping` answers, then sends `signal` (default SIGKILL) to that
   * one process and waits until the port is free and no process of its tree
   * runs. Returns the tree as it was before the signal, the milliseconds from
   * the start until /ping answered and from the signal until all was gone.
   */
  async function killedBySupervisor(
    command: string,
    args: string[],
    signal: NodeJS.Signals = "SIGKILL",
  ): Promise<{ tree: ProcInfo[]; goneMs: number; startMs: number }> {
    const port = await freePort();
    const t0 = Date.now();
    const root = await startManagedProcess(command, args, { label: `${command} ${args.join(" ")}`, cwd: REPO, env: serviceEnv(port) });
    let tree: ProcInfo[] = [];
    const rootInfo = procInfo(root.pid);
    const known = (): ProcInfo[] => [...(rootInfo ? [rootInfo] : []), ...tree];
    // The harness kills the root at exit; its descendants need this.
    const unregister = registerExitCleanup(() => killAll(known()));
    try {
      await waitUntil(() => ping(port), {
        timeoutMs: 60_000,
        label: `/ping of ${command} ${args.join(" ")}`,
        abortReason: () => root.exitError(),
      });
      const startMs = Date.now() - t0;
      tree = descendants(root.pid);
      process.kill(root.pid, signal);
      const killedAt = Date.now();
      await waitUntil(async () => (await portIsFree(port)) && known().every((p) => !stillRuns(p)), {
        timeoutMs: GONE_WITHIN_MS,
        intervalMs: 50,
        label: `port ${port} free and no process left of [${known().map(describeProc).join("; ")}]`,
      }).catch((err: Error) => {
        throw new Error(`${err.message}\nits output ended with:\n${root.output()}`, { cause: err });
      });
      return { tree, goneMs: Date.now() - killedAt, startMs };
    } finally {
      // Descendants first: killing the root first could let them be reparented out of sight.
      tree = [...tree, ...(root.exited ? [] : descendants(root.pid))];
      killAll(known());
      await root.waitForExit();
      unregister();
    }
  }

  /** The processes of `tree` that run server/main.ts itself (not a shell whose command line names it). */
  const serverProcesses = (tree: ProcInfo[]): ProcInfo[] =>
    tree.filter((p) => p.argv.some((a) => a.endsWith("server/main.ts")) && p.argv[1] !== "-c");
  /**
   * The tree less esbuild's transform service, which tsx's loader starts as a
   * child of the process it runs in; it holds no port and exits when its
   * parent does (the tests check that it is gone too).
   */
  const withoutEsbuild = (tree: ProcInfo[]): ProcInfo[] => tree.filter((p) => !p.argv.some((a) => a.startsWith("--service=")));

  it("`npm run server`, npm SIGKILLed: the server notices and stops, the port is free, no process is left", async (t) => {
    const { tree, goneMs, startMs } = await killedBySupervisor("npm", ["run", "server"]);
    t.diagnostic(`ready ${startMs} ms after start; all gone ${goneMs} ms after the SIGKILL; tree: ${tree.map(describeProc).join("; ")}`);
    const servers = serverProcesses(tree);
    assert.equal(servers.length, 1, `one server process under npm, no tsx wrapper: ${tree.map(describeProc).join("; ")}`);
    assert.deepEqual(servers[0]!.argv.slice(1), ["--import", "tsx", "server/main.ts"]);
  });

  it("`npm run server` with a script shell that execs node (bash): npm SIGKILLed, nothing is left", async (t) => {
    const { tree, goneMs } = await killedBySupervisor("npm", ["--script-shell=bash", "run", "server"]);
    t.diagnostic(`all gone ${goneMs} ms after the SIGKILL; tree: ${tree.map(describeProc).join("; ")}`);
    assert.equal(withoutEsbuild(tree).length, 1, `bash replaced itself with node: ${tree.map(describeProc).join("; ")}`);
    assert.equal(serverProcesses(tree).length, 1);
  });

  it("`npm run server`, npm SIGTERMed (npm passes it to `sh -c` only): nothing is left", async (t) => {
    const { goneMs } = await killedBySupervisor("npm", ["run", "server"], "SIGTERM");
    t.diagnostic(`all gone ${goneMs} ms after the SIGTERM`);
  });

  it("`node --import tsx server/main.ts` SIGKILLed: one process, no child, the port is free", async (t) => {
    const { tree, goneMs } = await killedBySupervisor(process.execPath, ["--import", "tsx", "server/main.ts"]);
    t.diagnostic(`all gone ${goneMs} ms after the SIGKILL`);
    assert.deepEqual(withoutEsbuild(tree), [], "the tsx loader runs in-process: no tsx child process");
  });

  it("started directly, the server does not depend on its parent: it keeps serving after the parent exits", async () => {
    const port = await freePort();
    const log = join(data.path, "orphan.log");
    // The shell starts the server in the background and exits at once, as a
    // double-forking init script would: the server's parent is gone.
    const shell: ManagedProcess = await startManagedProcess(
      "sh",
      ["-c", `node --import tsx server/main.ts >'${log}' 2>&1 & echo $!`],
      { label: "sh", cwd: REPO, env: serviceEnv(port) },
    );
    await shell.waitForExit();
    const pid = Number(shell.output().trim());
    assert.ok(pid > 0, shell.output());
    const server = procInfo(pid);
    const unregister = registerExitCleanup(() => killAll(server ? [server] : []));
    try {
      assert.ok(server, "the server started");
      await waitUntil(() => ping(port), {
        timeoutMs: 60_000,
        label: "/ping of the orphaned server",
        abortReason: () => (stillRuns(server) ? undefined : new Error(`the server exited:\n${readFileSync(log, "utf8")}`)),
      });
      // Three polls' worth of time: a server that watched its parent would be stopping by now.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.ok(await ping(port), readFileSync(log, "utf8"));
      assert.ok(stillRuns(server));
    } finally {
      killAll(server ? [server] : []);
      unregister();
    }
  });
});
