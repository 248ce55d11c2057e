import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { debianPostgresBinDirs, findBinary, requireNatsServer } from "../../test/harness/find-binary.js";

/** What the figures were measured on; printed and written with the table. */
export interface MachineDescription {
  cpu: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  node: string;
  natsServer: string;
  postgres: string;
  redis: string;
  date: string;
  /** 1/5/15-minute load averages when the run started. */
  loadAtStart: string;
}

function firstLine(command: string | undefined, args: string[]): string {
  if (command === undefined) return "not installed";
  try {
    return execFileSync(command, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

function procValue(file: string, key: RegExp): string | undefined {
  try {
    return key.exec(readFileSync(file, "utf8"))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** Reads CPU, cores and RAM from /proc (falling back to node:os) and the servers' versions from their binaries. */
export function describeMachine(redisBinary: string | undefined): MachineDescription {
  const memKb = procValue("/proc/meminfo", /^MemTotal:\s+(\d+) kB/m);
  const postgres = findBinary("postgres", debianPostgresBinDirs());
  let nats: string | undefined;
  try {
    nats = requireNatsServer();
  } catch {
    nats = undefined;
  }
  return {
    cpu: procValue("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    ramGiB: (memKb ? Number(memKb) * 1024 : totalmem()) / 2 ** 30,
    kernel: procValue("/proc/sys/kernel/osrelease", /^(.+)$/m) ?? "unknown",
    node: process.version,
    natsServer: firstLine(nats, ["--version"]),
    postgres: firstLine(postgres, ["--version"]),
    redis: firstLine(redisBinary, ["--version"]).replace(/ sha=.*$/, ""),
    date: new Date().toISOString(),
    loadAtStart: loadavg().map((l) => l.toFixed(2)).join(" "),
  };
}
