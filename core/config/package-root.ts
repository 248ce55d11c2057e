import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The folder of the tstasks package (its package.json) that holds `from`:
 * the checkout or install folder, whether the code runs from its TypeScript
 * sources or built into dist/ (a folder deeper). Throws when there is none.
 */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "tstasks") return dir;
    if (dirname(dir) === dir) throw new Error(`no tstasks package.json above ${from}`);
  }
}
