import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";

const REPO = join(import.meta.dirname, "../..");
const tsc = join(REPO, "node_modules/typescript/bin/tsc");

/**
 * The two builds of `npm run build`: the server, worker and app into dist/
 * (tsconfig.build.json), and the client package into client/dist
 * (client/tsconfig.build.json); each with the folders it compiles and a file it writes.
 */
const BUILDS = [
  { config: "tsconfig.build.json", folders: ["gen", "core", "server", "worker", "app"], output: "dist/server/main.js" },
  { config: "client/tsconfig.build.json", folders: ["client", "gen"], output: "client/dist/client/index.js" },
];

/** True for a folder (relative to a source folder) inside a build's output or installed packages, not sources. */
function isBuildOutput(folder: string): boolean {
  return folder.split(sep).some((part) => part === "dist" || part === "node_modules");
}

/** Newest modification time (ms) of the files under `dir` that `keep` accepts (build output left out). */
async function newestMtime(dir: string, keep: (name: string) => boolean): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !keep(entry.name) || isBuildOutput(relative(dir, entry.parentPath))) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * Runs each build of `npm run build` (what `npm ci`'s prepare does) whose
 * output is not newer than every source it is built from, so tests and
 * benchmarks never run a stale build.
 */
export async function ensureDistBuilt(): Promise<void> {
  const isSource = (name: string) => /\.tsx?$/.test(name) && !/\.(test|type-test)\.tsx?$/.test(name);
  for (const { config, folders, output } of BUILDS) {
    const built = await stat(join(REPO, output)).then((s) => s.mtimeMs, () => 0);
    const newest = await Promise.all(folders.map((folder) => newestMtime(join(REPO, folder), isSource)));
    const sources = Math.max(...newest, (await stat(join(REPO, config))).mtimeMs);
    if (built > sources) continue;
    await promisify(execFile)(process.execPath, [tsc, "-p", join(REPO, config)], { cwd: REPO });
  }
}
