import { readFileSync } from "node:fs";

/** Options of {@link watchNpmParent}. */
export interface WatchNpmParentOptions {
  /** Where `npm_lifecycle_event` is looked up. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How often the chain up to npm is checked, in milliseconds. Default: 500. */
  intervalMs?: number;
}

/** A running watch; {@link stop} ends it. */
export interface NpmParentWatch {
  stop(): void;
}

/** The parent pid of `pid` from /proc, or undefined when it is gone or there is no /proc. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may contain spaces and ")", so read after the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** The command line of `pid` from /proc, or undefined when it is gone or there is no /proc. */
function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined;
  }
}

/**
 * When this process was started by an npm script (npm sets
 * `npm_lifecycle_event`), calls `onGone` once the npm that started it has
 * exited, so the process can stop as it does on SIGTERM; otherwise does
 * nothing and returns undefined. A process started directly (by systemd, in
 * a container, by a script) must not depend on its parent, and is not watched.
 *
 * Why a poll: a supervisor that stops `npm run …` with SIGKILL (after a
 * SIGTERM grace, or at once) kills npm only; npm cannot forward a SIGKILL,
 * and even a SIGTERM it forwards reaches only the `sh -c` it spawned, which
 * dies without passing it on. Linux's prctl(PR_SET_PDEATHSIG) would tell us,
 * but Node does not expose it. So every `intervalMs` (unref'd: it never keeps
 * the process alive) this checks that the chain up to npm is intact: our
 * parent is still the same process and, when that parent is npm's script
 * shell (`sh -c …`; dash does not exec the command, bash does, and then our
 * parent is npm itself), the shell's parent is still npm. An exited process's
 * children are re-parented at once (to init or a subreaper), even while it
 * is an unreaped zombie, so a changed parent pid means the link is gone.
 * `process.ppid` is read live (uv_os_getppid) on every access. Without /proc
 * (macOS) only our own parent is watched.
 */
export function watchNpmParent(onGone: () => void, options: WatchNpmParentOptions = {}): NpmParentWatch | undefined {
  const env = options.env ?? process.env;
  if (!env["npm_lifecycle_event"]) return undefined;
  const parent = process.ppid;
  const shellParent = argvOf(parent)?.[1] === "-c" ? parentOf(parent) : undefined;
  const intact = (): boolean =>
    process.ppid === parent && (shellParent === undefined || parentOf(parent) === shellParent);
  const timer = setInterval(() => {
    if (intact()) return;
    clearInterval(timer);
    onGone();
  }, options.intervalMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
