import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

/**
 * ".ts" when this module runs from its TypeScript source (under a loader
 * such as tsx), ".js" when it runs built (dist/).
 */
const OWN_EXTENSION = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

let registered = false;

/**
 * Installs the `tstasks/task` resolve hook (see task-api-hook.ts) once per
 * process; later calls do nothing. Taskpacks are TypeScript: run from its
 * sources, the worker already has a TypeScript loader (tsx); built, it
 * registers tsx here first, for the packs alone. Needs Node >= 20.6.
 */
export function registerTaskApiHook(): void {
  if (registered) return;
  if (OWN_EXTENSION === ".js") registerTsx();
  // Registered after tsx, so it runs before it: the rewritten URL then goes through tsx as any .ts file.
  register(`./task-api-hook${OWN_EXTENSION}`, import.meta.url);
  registered = true;
}
