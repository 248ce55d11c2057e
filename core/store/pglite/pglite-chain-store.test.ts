import { rm } from "node:fs/promises";
import { freshPgliteDataDir } from "../../../test/support/pglite-template.js";
import { describeChainStoreContract } from "../chain-store-contract.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { createTaskStoreOnPglite } from "./pglite-task-store.js";

// The chain progress trigger (plpgsql) on PGlite: the same contract as on Postgres.
describeChainStoreContract("PGlite store: chains", async () => {
  const dataDir = await freshPgliteDataDir();
  const database = await openPgliteDatabase({ dataDir });
  return {
    store: await createTaskStoreOnPglite(database),
    withDb: (fn) => fn(database.db),
    cleanup: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
