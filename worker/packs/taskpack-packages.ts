/**
 * Parses the `TASKPACKS` environment variable: a comma-separated list of npm
 * package names (e.g. `"@acme/tstasks-imaging, tstasks-extra"`) that the
 * worker loads as taskpacks besides the `taskpacks/` folder. Names are
 * trimmed; empty entries and repeats are dropped; order is kept.
 * Unset or blank gives `[]`.
 */
export function parseTaskpackPackages(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = value.split(",").map((name) => name.trim()).filter((name) => name !== "");
  return [...new Set(names)];
}
