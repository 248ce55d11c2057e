import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { describeChainStoreContract } from "../chain-store-contract.js";
import { createKyselyForUrl } from "./kysely-for-url.js";
import { createPostgresTaskStore } from "./postgres-task-store.js";

const { freshDatabase } = usePrivatePostgres("chain_store_test");

describeChainStoreContract("Postgres store: chains", async () => {
  const url = await freshDatabase();
  return {
    store: await createPostgresTaskStore({ databaseUrl: url }),
    withDb: async (fn) => {
      const db = createKyselyForUrl(url, { poolSize: 2 });
      try {
        return await fn(db);
      } finally {
        await db.destroy();
      }
    },
    cleanup: async () => {},
  };
});
