import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerExitCleanup } from "./process-cleanup.js";

/** A temporary directory that is removed when the test process exits at the latest. */
export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Creates a fresh directory under `os.tmpdir()` named `<prefix>XXXXXX`,
 * optionally owned by `owner` (needed when a server runs as another user).
 */
export function makeTempDir(prefix: string, owner?: { uid: number; gid: number }): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  if (owner) chownSync(path, owner.uid, owner.gid);
  const unregister = registerExitCleanup(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    async remove() {
      unregister();
      await rm(path, { recursive: true, force: true });
    },
  };
}
