/**
 * A Node module resolve hook (registered by {@link registerTaskApiHook}) that
 * makes `tstasks/task` resolve to this checkout's core/task wherever the
 * importing pack lives: a pack folder has its own package.json, so Node's
 * package self-reference cannot reach the root package from inside it, and
 * an npm pack must share the worker's copy (one zod, one NonRetryableError
 * class) rather than bring its own.
 */
const TASK_API_URL = new URL(`../../core/task/index${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url).href;

/**
 * Node `resolve` hook: rewrites `tstasks/task` to the file's URL and passes
 * it down the chain, so the TypeScript loader still resolves (and later
 * compiles) it as it would any .ts file.
 */
export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  return nextResolve(specifier === "tstasks/task" ? TASK_API_URL : specifier, context);
}
