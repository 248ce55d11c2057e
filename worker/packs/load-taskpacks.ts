import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// The worker's own copy of the task API, the very module packs' "tstasks/task" resolves to (task-api-hook.ts).
import { isTaskDefinition, z } from "../../core/task/index.js";
import type { JsonObject } from "tstasks/task";
import type { LoadedTask } from "./loaded-task.js";
import { readPackManifest } from "./pack-manifest.js";
import { registerTaskApiHook } from "./register-task-api-hook.js";
import { silentLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";

export type { LoadedTask } from "./loaded-task.js";

/** Options of {@link loadTaskpacks}. */
export interface LoadTaskpacksOptions {
  /**
   * Folder whose subfolders are packs (Config.taskpacksDir; the shipped ones
   * are at `DEFAULT_TASKPACKS_DIR`). Default: none. A missing folder gives no
   * folder packs.
   */
  dir?: string;
  /**
   * Packs to load after the folder packs, in this order (the `TASKPACKS`
   * variable, see Config.taskpackPackages): npm package names, each resolved
   * from this repository like `import(name)`, or paths of one pack folder
   * (absolute, or starting with `./` or `../`, resolved from the working
   * directory), loaded like a subfolder of `dir`. Default: none.
   */
  packages?: string[];
  /**
   * Gets one line per loaded pack (info, with `pack`, `version`, `types`),
   * per skipped one (warn, with `pack` and the error as `err`), and a missing
   * folder (warn). Default: a silent logger.
   */
  log?: Logger;
}

/** A pack that could not be loaded, and why. */
export interface TaskpackFailure {
  /** Pack name (folder name, or the npm package name as given). */
  pack: string;
  error: string;
}

/** What {@link loadTaskpacks} found. */
export interface LoadedTaskpacks {
  /** Every task of every pack that loaded, in load order. */
  tasks: LoadedTask[];
  /** Packs skipped because something in them was wrong. */
  failures: TaskpackFailure[];
}

/** Where a pack comes from, before it is imported. */
interface PackSource {
  /** Name reported in failures before the real pack name is known. */
  label: string;
  load(): Promise<LoadedPack>;
}

interface LoadedPack {
  pack: string;
  version: string;
  tasks: LoadedTask[];
}


/** Pack and module names become parts of dotted type names, so no dots. */
const NAME_PART = /^[A-Za-z0-9_-]+$/;
const EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MODULE_FILE = /\.(ts|js)$/;
const NOT_A_MODULE = /\.(test\.ts|test\.js|d\.ts)$/;

/**
 * Finds and imports the taskpacks a worker serves.
 *
 * Folder packs: each subfolder of `dir` (sorted by name, code-unit order;
 * names starting with "." and `node_modules` are ignored) is a pack named
 * after the folder. It must hold a package.json with string `name` and
 * `version`. Its modules are the `*.ts` and `*.js` files directly in the
 * folder (not `*.test.ts`, `*.test.js`, `*.d.ts`; subfolders are for helpers),
 * imported in sorted order. Each export that is a task definition (made by
 * `defineTask`) becomes the type `<pack>.<module>.<export>`, in the module
 * namespace's order (sorted by export name); other exports and `default`
 * are ignored.
 *
 * Pack folders named in `packages` load the same way, one pack each.
 *
 * npm packs (`packages`): the package's entry module is imported; the pack
 * is named after the package without its scope, the module after the entry
 * file (`dist/index.js` gives `index`), the version comes from the
 * package's package.json.
 *
 * A pack loads whole or not at all: a bad package.json, a module that fails
 * to compile or throws when imported, a pack or module name with characters
 * other than letters, digits, `_` and `-`, an args schema that is not an
 * object or cannot be expressed in JSON Schema, or a pack or type name
 * already loaded puts it in `failures` and the others still load. Never
 * throws for a pack's fault.
 *
 * Installs a resolve hook first (once per process) so that packs'
 * `import ... from "tstasks/task"` reaches this checkout's core/task.
 */
export async function loadTaskpacks(options: LoadTaskpacksOptions = {}): Promise<LoadedTaskpacks> {
  const log = options.log ?? silentLogger();
  registerTaskApiHook();
  const sources = [
    ...(options.dir === undefined ? [] : await folderPackSources(options.dir, log)),
    ...(options.packages ?? []).map((entry) => (isPackPath(entry) ? pathPackSource(entry) : npmPackSource(entry))),
  ];
  const tasks: LoadedTask[] = [];
  const failures: TaskpackFailure[] = [];
  const packNames = new Set<string>();
  const typeNames = new Set<string>();
  for (const source of sources) {
    try {
      const { pack, version, tasks: packTasks } = await source.load();
      if (packNames.has(pack)) throw new Error(`a pack named "${pack}" is already loaded`);
      const duplicate = packTasks.find((task) => typeNames.has(task.name));
      if (duplicate) throw new Error(`task type "${duplicate.name}" is already defined by another pack`);
      packNames.add(pack);
      for (const task of packTasks) typeNames.add(task.name);
      tasks.push(...packTasks);
      const types = packTasks.map((task) => task.name);
      log.info({ pack, version, types }, `loaded ${pack}@${version}: ${types.join(", ") || "no tasks"}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ pack: source.label, error: message });
      log.warn({ pack: source.label, err: error }, `taskpack ${source.label} failed to load and is skipped: ${message}`);
    }
  }
  return { tasks, failures };
}

async function folderPackSources(dir: string, log: Logger): Promise<PackSource[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    log.warn({ dir }, `no taskpacks folder at ${dir}`);
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules")
    .map((entry) => entry.name)
    .sort(byCodeUnits)
    .map((pack) => ({ label: pack, load: () => loadFolderPack(pack, join(dir, pack)) }));
}

/** A `packages` entry that is a path, not an npm name (npm names never start with "/" or "."). */
function isPackPath(entry: string): boolean {
  return isAbsolute(entry) || /^\.\.?(\/|$)/.test(entry);
}

function pathPackSource(entry: string): PackSource {
  const packDir = resolve(entry);
  return { label: entry, load: () => loadFolderPack(basename(packDir), packDir) };
}

async function loadFolderPack(pack: string, packDir: string): Promise<LoadedPack> {
  checkNamePart("pack", pack);
  const { version } = await readPackManifest(packDir);
  const files = (await readdir(packDir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && MODULE_FILE.test(entry.name) && !NOT_A_MODULE.test(entry.name))
    .map((entry) => entry.name)
    .sort(byCodeUnits);
  const tasks: LoadedTask[] = [];
  const modules = new Set<string>();
  for (const file of files) {
    const module = basename(file, extname(file));
    checkNamePart("module", module);
    if (modules.has(module)) throw new Error(`two modules are named "${module}" (${file} and another file)`);
    modules.add(module);
    tasks.push(...(await loadModule(pathToFileURL(join(packDir, file)).href, pack, module, version)));
  }
  return { pack, version, tasks };
}

function npmPackSource(packageName: string): PackSource {
  return {
    label: packageName,
    async load() {
      const pack = packageName.replace(/^@[^/]+\//, "");
      checkNamePart("pack", pack);
      const entryUrl = import.meta.resolve(packageName);
      const entryFile = fileURLToPath(entryUrl);
      const module = basename(entryFile, extname(entryFile));
      checkNamePart("module", module);
      const version = await findPackageVersion(entryFile, packageName);
      return { pack, version, tasks: await loadModule(entryUrl, pack, module, version) };
    },
  };
}

/** Walks up from an installed package's entry file to its own package.json. */
async function findPackageVersion(entryFile: string, packageName: string): Promise<string> {
  for (let dir = dirname(entryFile); ; dir = dirname(dir)) {
    try {
      const data = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (data.name === packageName) return (await readPackManifest(dir)).version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the package.json of ${packageName}`);
  }
}

async function loadModule(url: string, pack: string, module: string, packVersion: string): Promise<LoadedTask[]> {
  const namespace = (await import(url)) as Record<string, unknown>;
  const tasks: LoadedTask[] = [];
  for (const [exportName, value] of Object.entries(namespace)) {
    if (exportName === "default" || !isTaskDefinition(value)) continue;
    const name = `${pack}.${module}.${exportName}`;
    if (!EXPORT_NAME.test(exportName)) throw new Error(`task type "${name}": export name is not a plain identifier`);
    tasks.push({ name, pack, packVersion, definition: value, argsSchema: argsJsonSchema(name, value.args) });
  }
  return tasks;
}

/**
 * JSON Schema of what a client submits: the schema's input side, so fields
 * with defaults are optional. Round-tripped through JSON to be plain data.
 */
function argsJsonSchema(name: string, args: z.ZodType): JsonObject {
  let schema: JsonObject;
  try {
    schema = JSON.parse(JSON.stringify(z.toJSONSchema(args, { io: "input" }))) as JsonObject;
  } catch (error) {
    throw new Error(`task type "${name}": args cannot be expressed as JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (schema.type !== "object") throw new Error(`task type "${name}": args must be an object schema (z.object or z.strictObject)`);
  return schema;
}

function checkNamePart(kind: string, value: string): void {
  if (!NAME_PART.test(value)) throw new Error(`${kind} name "${value}" may only hold letters, digits, "_" and "-"`);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
