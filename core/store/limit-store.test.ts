import { rm } from "node:fs/promises";
import { usePrivatePostgres } from "../../test/harness/private-postgres.js";
import { freshPgliteDataDir } from "../../test/support/pglite-template.js";
import { describeLimitStoreContract } from "./limit-store-contract.js";
import { openPgliteDatabase } from "./pglite/pglite-database.js";
import { createTaskStoreOnPglite } from "./pglite/pglite-task-store.js";
import { createKyselyForUrl } from "./postgres/kysely-for-url.js";
import { createPostgresTaskStore } from "./postgres/postgres-task-store.js";

// Concurrency leases and token buckets on both stores. On Postgres, three
// stores with their own pools stand in for three processes; PGlite has one
// session (another process cannot open its folder), so its calls only
// interleave between transactions.

const { freshDatabase } = usePrivatePostgres("limits_test");

describeLimitStoreContract("Postgres store: concurrency leases and rate limits", async () => {
  const url = await freshDatabase();
  const store = await createPostgresTaskStore({ databaseUrl: url });
  const others = await Promise.all([1, 2].map(() => createPostgresTaskStore({ databaseUrl: url, poolSize: 4 })));
  return {
    store,
    others,
    withDb: async (fn) => {
      const db = createKyselyForUrl(url, { poolSize: 1 });
      try {
        return await fn(db);
      } finally {
        await db.destroy();
      }
    },
    cleanup: async () => {},
  };
});

describeLimitStoreContract("PGlite store: concurrency leases and rate limits", async () => {
  const dataDir = await freshPgliteDataDir();
  const database = await openPgliteDatabase({ dataDir });
  return {
    store: await createTaskStoreOnPglite(database),
    others: [],
    withDb: (fn) => fn(database.db),
    cleanup: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
