import { createKyselyForUrl } from "./kysely-for-url.js";
import { MigrationError, migrateToLatest } from "./migrate-to-latest.js";
import type { MigrationResult } from "kysely";

// Entry point of `npm run migrate`: applies pending migrations to
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).

function logResults(results: readonly MigrationResult[]): void {
  for (const r of results) {
    const what = r.status === "Success" ? "applied" : r.status === "Error" ? "FAILED" : "not run (an earlier one failed)";
    console.log(`migration "${r.migrationName}" ${what}`);
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
