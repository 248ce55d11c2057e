import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";

/** Name of the lock file inside a store's data folder. */
export const LOCK_FILE_NAME = "tstasks.lock";

/** The data folder is in use by a live store (this process or another). */
export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
  constructor(
    readonly dir: string,
    /** The holder's process id; undefined when the lock file names none (being written, or damaged). */
    readonly pid: number | undefined,
  ) {
    const holder = pid === undefined ? "another store" : pid === process.pid ? "this process" : `process ${pid}`;
    super(
      `the embedded store folder ${dir} is already open in ${holder}: PGlite is a single-process ` +
        `database, so one store at a time may open a folder (if no tstasks process uses it, remove ${join(dir, LOCK_FILE_NAME)})`,
    );
  }
}

/** A held lock on a data folder. */
export interface DataDirLock {
  /** Removes the lock file; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Takes the lock of `dir` (an existing folder) by creating its lock file
 * exclusively, with this process id inside.
 *
 * Why: PGlite opens a data folder that another live PGlite already has open
 * without complaint, and two Postgres instances writing one data directory
 * corrupt it. A lock file left by a process that has died (crash, kill -9)
 * is stale and taken over.
 * @throws DataDirLockedError when a live process (this one included) holds the lock.
 */
export async function acquireDataDirLock(dir: string): Promise<DataDirLock> {
  const file = join(dir, LOCK_FILE_NAME);
  // Two tries: the second follows the removal of a stale lock file.
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return lockOn(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = await readLockPid(file);
      // A lock file that is being written right now has no pid yet: treat as held.
      if (pid === undefined || isAlive(pid) || attempt >= 2) throw new DataDirLockedError(dir, pid);
      await unlink(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
    }
  }
}

function lockOn(file: string): DataDirLock {
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= unlink(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
      return released;
    },
  };
}

/** The pid written in the lock file; undefined when unreadable or empty. */
async function readLockPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
