import { after, before } from "node:test";
import { startPostgres } from "./postgres-server.js";
import type { PostgresServer } from "./postgres-server.js";

/**
 * One private Postgres server for the test file that calls this (started in
 * a `before` hook, stopped in an `after` hook, both registered here), and
 * fresh empty databases on it, named `<prefix>_1`, `<prefix>_2`, …
 */
export function usePrivatePostgres(prefix: string): { freshDatabase(): Promise<string> } {
  let server: PostgresServer | undefined;
  let count = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    freshDatabase() {
      if (!server) throw new Error("usePrivatePostgres: the server starts in a before hook; call freshDatabase in a test or hook");
      return server.createDatabase(`${prefix}_${++count}`);
    },
  };
}
