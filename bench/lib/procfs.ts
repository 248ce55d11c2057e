import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * A field of `/proc/<pid>/status` in MiB: `VmHWM` (peak resident set) or
 * `VmRSS` (now). Undefined when the process is gone or there is no /proc.
 */
export function memoryMiB(pid: number, field: "VmHWM" | "VmRSS"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

function msPerTick(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return 1000 / ticksPerSecond;
}

/** The fields of `/proc/<pid>/stat` after "(comm)", so index 0 is field 3 (state); undefined when gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may hold spaces and ")", so split after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Every pid in /proc (empty without /proc). */
function allPids(): number[] {
  try {
    return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU time in milliseconds used so far by `pid` and everything it started:
 * its own user + system time, the time of its children it has reaped
 * (cutime + cstime: Postgres backends that ended), and the time of its
 * children still running (with their reaped children). Undefined when `pid`
 * is gone or there is no /proc. Resolution: one clock tick, usually 10 ms.
 */
export function treeCpuMs(pid: number): number | undefined {
  const own = statFields(pid);
  if (own === undefined) return undefined;
  // utime, stime, cutime, cstime are fields 14–17.
  const total = (f: string[]): number => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  let ticks = total(own);
  for (const other of allPids()) {
    const f = statFields(other);
    // ppid is field 4.
    if (f !== undefined && Number(f[1]) === pid) ticks += total(f);
  }
  return ticks * msPerTick();
}

/** The first pid whose argv satisfies `match`; undefined when none or no /proc. */
export function findPid(match: (argv: string[]) => boolean): number | undefined {
  for (const pid of allPids()) {
    try {
      if (match(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"))) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The pid of the process whose argv has `-p <port>` and starts with a program named `program` (the harness does not expose its servers' pids). */
export function serverPid(program: string, port: number): number | undefined {
  return findPid((argv) => argv[0]?.endsWith(program) === true && argv.some((a, i) => a === "-p" && argv[i + 1] === String(port)));
}

/** CPU milliseconds per role (e.g. "server", "postgres") between two {@link CpuMeter.read} calls. */
export type CpuReading = Record<string, number>;

/** Reads the CPU time of named process trees at once. */
export class CpuMeter {
  readonly #pids: Record<string, number | undefined>;
  constructor(pids: Record<string, number | undefined>) {
    this.#pids = pids;
  }
  /** Now, per role; roles whose process is unknown or gone are left out. */
  read(): CpuReading {
    const out: CpuReading = {};
    for (const [role, pid] of Object.entries(this.#pids)) {
      const ms = pid === undefined ? undefined : pid === process.pid ? selfCpuMs() : treeCpuMs(pid);
      if (ms !== undefined) out[role] = ms;
    }
    return out;
  }
  /** Microseconds of CPU per task, per role, between `before` and now. */
  perTask(before: CpuReading, tasks: number): CpuReading {
    const now = this.read();
    const out: CpuReading = {};
    for (const [role, ms] of Object.entries(now)) {
      const start = before[role];
      if (start !== undefined) out[role] = ((ms - start) * 1000) / tasks;
    }
    return out;
  }
}

/** This process's CPU time in ms, at microsecond resolution. */
function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
