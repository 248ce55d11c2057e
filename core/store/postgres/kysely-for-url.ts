import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database.js";

/** Options of {@link createKyselyForUrl}. */
export interface KyselyForUrlOptions {
  /** Most open connections in the pool. Default 10. */
  poolSize?: number;
}

/**
 * A Kysely instance over a node-postgres pool for `url`
 * (`postgres://` or `postgresql://`, as node-postgres parses it). Connects
 * lazily; call `destroy()` to close the pool.
 */
export function createKyselyForUrl(url: string, options: KyselyForUrlOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle pooled connection that breaks (server restart) emits "error" on
  // the pool; unhandled, that would crash the process. The pool drops the
  // client and the next query opens a new one. After destroy() it stays
  // quiet: pool.end() resolves before its sockets have closed, so a server
  // stopping right then is expected, not news.
  pool.on("error", (err) => {
    if (!pool.ending) console.error(`postgres: idle connection failed: ${err.message}`);
  });
  // A checked-out connection between two queries (inside a transaction that
  // awaits something else, like the outbox dispatcher publishing) has no pool
  // listener: without this one, a server restart right then would crash the
  // process. Its next query fails instead, and the caller handles that.
  pool.on("connect", (client) => {
    client.on("error", (err) => {
      if (!pool.ending) console.error(`postgres: connection failed: ${err.message}`);
    });
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
