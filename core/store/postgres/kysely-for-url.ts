import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database.js";
import { preparingClient } from "./preparing-client.js";
import { defaultLogger } from "../../log/default-logger.js";
import type { Logger } from "../../log/logger.js";

/** Options of {@link createKyselyForUrl}. */
export interface KyselyForUrlOptions {
  /** Most open connections in the pool. Default 10. */
  poolSize?: number;
  /**
   * Run parameterized queries as named prepared statements, parsed and
   * planned once per connection (see {@link preparingClient}). Default true;
   * turn off behind a pooler that cannot keep them (PgBouncer in transaction
   * mode before 1.21).
   */
  preparedStatements?: boolean;
  /** Where broken connections are reported (warn). Default: the process's root logger. */
  log?: Logger;
}

/**
 * A Kysely instance over a node-postgres pool for `url`
 * (`postgres://` or `postgresql://`, as node-postgres parses it). Connects
 * lazily; call `destroy()` to close the pool.
 */
export function createKyselyForUrl(url: string, options: KyselyForUrlOptions = {}): Kysely<Database> {
  const preparedStatements = options.preparedStatements ?? true;
  const log = options.log ?? defaultLogger().child({ component: "postgres" });
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(preparedStatements ? { Client: preparingClient() } : {}),
  });
  // An idle pooled connection that breaks (server restart) emits "error" on
  // the pool; unhandled, that would crash the process. The pool drops the
  // client and the next query opens a new one. After destroy() it stays
  // quiet: pool.end() resolves before its sockets have closed, so a server
  // stopping right then is expected, not news.
  pool.on("error", (err) => {
    if (!pool.ending) log.warn({ err }, "idle connection failed; the next query opens a new one");
  });
  // A checked-out connection between two queries (inside a transaction that
  // awaits something else, like the outbox dispatcher publishing) has no pool
  // listener: without this one, a server restart right then would crash the
  // process. Its next query fails instead, and the caller handles that.
  pool.on("connect", (client) => {
    client.on("error", (err) => {
      if (!pool.ending) log.warn({ err }, "connection failed; its next query fails and is retried by its caller");
    });
    // Plan each prepared statement once, not at every Bind: Postgres re-plans the first five executions
    // and keeps doing so whenever its generic plan looks costlier, which for `= any($1::uuid[])` batches
    // it did (bind 0.25 ms at the median, 0.04 ms with generic plans). The store's statements find their
    // rows through primary keys and array parameters, which a generic plan serves as well as a custom one.
    //
    // No sequential scans where an index serves: a generic plan is kept until the table's statistics
    // change, and one made while `tasks` was small (a fresh install, a test) reads the whole table for
    // every batch, which is the cheapest plan for a few hundred rows. Until autovacuum's next analyze
    // (a minute or more later) that plan stayed as the table grew under load: a soak at 1,000 tasks/s on
    // a fresh database finished 657/s with a backlog of 12,000 and a p50 of 5 s from insert to finish in
    // its second half-minute. Every statement of the store has an index to use; one without still runs.
    // Queued on the client before any query of the pool's, so it applies to all of them.
    if (preparedStatements) client.query("set plan_cache_mode = force_generic_plan; set enable_seqscan = off").catch(() => {});
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
