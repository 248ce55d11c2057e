import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPgliteTaskStore } from "../../core/store/pglite/pglite-task-store.js";

const REPO = join(import.meta.dirname, "../..");
const MIGRATIONS = join(REPO, "core/store/postgres/migrations");

/**
 * A fresh, migrated, empty PGlite data folder for an embedded test stack.
 *
 * Creating one (initdb plus every migration) takes seconds; copying one a
 * fraction of that. So the first caller on this machine builds a template
 * under the temp folder, named by a hash of the migrations and the PGlite
 * version (a changed migration makes a new template), and every caller,
 * in any test process, gets a copy. The template appears by an atomic
 * rename, so concurrent test files never see half of one.
 */
export async function freshPgliteDataDir(): Promise<string> {
  const template = await ensureTemplate();
  const dir = await mkdtemp(join(tmpdir(), "tstasks-embedded-"));
  await cp(template, dir, { recursive: true });
  return dir;
}

let ensured: Promise<string> | undefined;

function ensureTemplate(): Promise<string> {
  ensured ??= (async () => {
    const path = join(tmpdir(), `tstasks-pglite-template-${await templateKey()}`);
    if (await exists(path)) return path;
    const building = await mkdtemp(join(tmpdir(), "tstasks-pglite-building-"));
    await (await createPgliteTaskStore({ dataDir: building })).close();
    try {
      await rename(building, path);
    } catch {
      // Another test process renamed its template first: use that one.
      await rm(building, { recursive: true, force: true });
    }
    return path;
  })();
  return ensured;
}

async function templateKey(): Promise<string> {
  const hash = createHash("sha256");
  for (const name of (await readdir(MIGRATIONS)).sort()) {
    hash.update(name);
    hash.update(await readFile(join(MIGRATIONS, name)));
  }
  hash.update(JSON.parse(await readFile(join(REPO, "node_modules/@electric-sql/pglite/package.json"), "utf8")).version);
  return hash.digest("hex").slice(0, 16);
}

async function exists(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    () => false,
  );
}
