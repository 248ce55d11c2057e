import type { Kysely } from "kysely";
import type { ChainStore } from "../chain-store.js";
import { InvalidTaskIdError } from "../store-errors.js";
import { isUuid } from "../../task/uuid.js";
import type { Database } from "./database.js";
import { chainRowToRecord, insertChainWithFirstTask, selectChainWithSteps } from "./chains.repository.js";

/**
 * The {@link ChainStore} methods over a migrated database, spread into the
 * Kysely task store (Postgres and PGlite alike).
 */
export function chainStoreOnKysely(db: Kysely<Database>): ChainStore {
  return {
    async insertChain(chain, first) {
      if (!isUuid(chain.id)) throw new InvalidTaskIdError(chain.id);
      if (!isUuid(first.id)) throw new InvalidTaskIdError(first.id);
      return insertChainWithFirstTask(db, chain, first);
    },

    async getChain(id) {
      if (!isUuid(id)) return undefined;
      const row = await selectChainWithSteps(db, id);
      return row && chainRowToRecord(row, row.step_tasks);
    },
  };
}
