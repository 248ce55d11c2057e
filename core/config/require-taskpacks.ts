import { ConfigError, type Config } from "./env-config.js";

/**
 * A production worker must be told which taskpacks to run: with
 * `NODE_ENV=production`, `TASKPACKS_DIR` has no default (the shipped demo
 * pack can kill its worker), so a worker given neither `TASKPACKS_DIR` nor
 * `TASKPACKS` would start with nothing to do. Throws a one-line ConfigError
 * naming both variables; outside production the installation's taskpacks
 * folder is the default and this never throws.
 */
export function requireTaskpacks(config: Config, command: string): void {
  if (config.taskpacksDir === undefined && config.taskpackPackages.length === 0) {
    throw new ConfigError(
      `${command} with NODE_ENV=production needs taskpacks: set TASKPACKS_DIR (a folder of packs) or TASKPACKS ` +
        "(npm packages or pack folders, comma list); the shipped demo and test packs are not loaded in production",
    );
  }
}
