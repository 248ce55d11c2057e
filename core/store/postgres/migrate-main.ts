import { createKyselyForUrl } from "./kysely-for-url.js";
import { MigrationError, migrateToLatest } from "./migrate-to-latest.js";
import type { MigrationResult } from "kysely";
import { ConfigError, loadConfig } from "../../config/env-config.js";
import { runMain } from "../../process/run-main.js";
import { createLogger, type Logger } from "../../log/logger.js";

// Entry point of `npm run migrate`: applies pending migrations to
// DATABASE_URL. (The embedded store migrates itself whenever it opens.)

function logResults(log: Logger, results: readonly MigrationResult[]): void {
  for (const r of results) {
    const what = r.status === "Success" ? "applied" : r.status === "Error" ? "FAILED" : "not run (an earlier one failed)";
    const line = { migration: r.migrationName, status: r.status };
    if (r.status === "Success") log.info(line, `migration "${r.migrationName}" ${what}`);
    else log.error(line, `migration "${r.migrationName}" ${what}`);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const root = createLogger(config);
  const log = root.child({ component: "migrate" });
  const url = config.databaseUrl;
  if (!url) throw new ConfigError("npm run migrate needs DATABASE_URL (the embedded store migrates itself when it opens)");
  const db = createKyselyForUrl(url, { poolSize: 1, log: root.child({ component: "postgres" }) });
  try {
    const results = await migrateToLatest(db);
    logResults(log, results);
    if (results.length === 0) log.info("database schema is up to date");
  } catch (err) {
    if (err instanceof MigrationError) logResults(log, err.results);
    throw err;
  } finally {
    await db.destroy();
  }
}

runMain(main);
