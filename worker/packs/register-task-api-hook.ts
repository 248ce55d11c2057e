import { register } from "node:module";

let registered = false;

/**
 * Installs the `tstasks/task` resolve hook (see task-api-hook.ts) once per
 * process; later calls do nothing. Needs Node >= 20.6 and a TypeScript loader
 * such as tsx already registered, since the hook and the packs are .ts files.
 */
export function registerTaskApiHook(): void {
  if (registered) return;
  register("./task-api-hook.ts", import.meta.url);
  registered = true;
}
