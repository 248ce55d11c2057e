import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Whether `path` exists and may be executed by this process. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds an executable by name: first on `PATH`, then in each of `extraDirs`
 * in the order given.
 *
 * @returns the absolute path, or `undefined` when it is nowhere.
 */
export function findBinary(name: string, extraDirs: readonly string[] = []): string | undefined {
  const pathDirs = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const dir of [...pathDirs, ...extraDirs]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The `bin` folders of Debian's PostgreSQL packages, newest major first
 * (`/usr/lib/postgresql/<major>/bin`); Debian keeps them off `PATH`.
 *
 * @returns an empty list when no such package is installed.
 */
export function debianPostgresBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return [];
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, "bin"));
}

/**
 * Like {@link findBinary} but throws a message that says where it looked.
 *
 * @throws Error when the executable is not found.
 */
export function requireBinary(name: string, extraDirs: readonly string[] = []): string {
  const found = findBinary(name, extraDirs);
  if (found === undefined) {
    throw new Error(
      `${name} not found on PATH${extraDirs.length ? ` nor in ${extraDirs.join(", ")}` : ""}`,
    );
  }
  return found;
}

/**
 * The `nats-server` executable: from PATH, else the sbin/bin folders distro
 * packages put it in.
 *
 * @throws Error when it is nowhere.
 */
export function requireNatsServer(): string {
  return requireBinary("nats-server", ["/usr/sbin", "/usr/local/sbin", "/usr/bin"]);
}
