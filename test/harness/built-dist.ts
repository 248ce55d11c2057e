import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const REPO = join(import.meta.dirname, "../..");
/** The folders tsconfig.build.json compiles into dist/. */
const BUILT_FOLDERS = ["client", "gen", "core", "server", "worker", "app"];

/** Newest modification time (ms) of the files under `dir` that `keep` accepts. */
async function newestMtime(dir: string, keep: (name: string) => boolean): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ (`tsc -p tsconfig.build.json`, what `npm run build` and
 * `npm ci`'s prepare do) unless it is newer than every source it is built
 * from, so tests and benchmarks never run a stale build.
 */
export async function ensureDistBuilt(): Promise<void> {
  const built = await stat(join(REPO, "dist/client/index.js")).then((s) => s.mtimeMs, () => 0);
  const isSource = (name: string) => name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".type-test.ts");
  const newest = await Promise.all(BUILT_FOLDERS.map((folder) => newestMtime(join(REPO, folder), isSource)));
  const sources = Math.max(...newest, (await stat(join(REPO, "tsconfig.build.json"))).mtimeMs);
  if (built > sources) return;
  await promisify(execFile)(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(REPO, "tsconfig.build.json")], { cwd: REPO });
}
