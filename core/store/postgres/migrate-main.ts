import { createKyselyForUrl } from "./kysely-for-url.js";
import { MigrationError, migrateToLatest } from "./migrate-to-latest.js";
import type { MigrationResult } from "kysely";
import { ConfigError, loadConfig } from "../../config/env-config.js";
import { runMain } from "../../process/run-main.js";

// Entry point of `npm run migrate`: applies pending migrations to
// DATABASE_URL. (The embedded store migrates itself whenever it opens.)

function logResults(results: readonly MigrationResult[]): void {
  for (const r of results) {
    const what = r.status === "Success" ? "applied" : r.status === "Error" ? "FAILED" : "not run (an earlier one failed)";
    console.log(`migration "${r.migrationName}" ${what}`);
  }
}

async function main(): Promise<void> {
  const url = loadConfig().databaseUrl;
  if (!url) throw new ConfigError("npm run migrate needs DATABASE_URL (the embedded store migrates itself when it opens)");
  const db = createKyselyForUrl(url, { poolSize: 1 });
  try {
    const results = await migrateToLatest(db);
    logResults(results);
    if (results.length === 0) console.log("database schema is up to date");
  } catch (err) {
    if (err instanceof MigrationError) logResults(err.results);
    throw err;
  } finally {
    await db.destroy();
  }
}

runMain(main);
