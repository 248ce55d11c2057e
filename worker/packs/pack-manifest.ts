import { readFile } from "node:fs/promises";

/** What the loader needs from a pack's package.json. */
export interface PackManifest {
  name: string;
  version: string;
}

/**
 * Reads and checks `<packDir>/package.json`. Throws (with the file's path in
 * the message) when it is missing, is not JSON, lacks a non-empty string
 * `name` or `version`, or does not say `"type": "module"`.
 */
export async function readPackManifest(packDir: string): Promise<PackManifest> {
  const file = `${packDir}/package.json`;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${file}: ${messageOf(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${messageOf(error)}`);
  }
  const { name, version, type } = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof name !== "string" || name === "") throw new Error(`${file} needs a non-empty string "name"`);
  if (typeof version !== "string" || version === "") throw new Error(`${file} needs a non-empty string "version"`);
  // Without it Node and tsx treat the pack's .ts files as CommonJS, where
  // \`import\` and the "tstasks/task" resolve hook do not work.
  if (type !== "module") throw new Error(`${file} needs "type": "module" (taskpacks are ES modules)`);
  return { name, version };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
