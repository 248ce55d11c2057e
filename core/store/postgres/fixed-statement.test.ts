import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { fixedStatement } from "./fixed-statement.js";
import { createKyselyForUrl } from "./kysely-for-url.js";

const { freshDatabase } = usePrivatePostgres("fixed_statement_test");

describe("fixedStatement", () => {
  test("compiles its template once and runs the same text with each call's parameters, also in a transaction", async () => {
    const db = createKyselyForUrl(await freshDatabase(), { poolSize: 1 });
    let built = 0;
    const sumAndJoin = fixedStatement(
      (input: { numbers: number[]; words: string[] }) => [input.numbers, input.words],
      ([numbers, words]) => {
        built++;
        return sql<{ total: number; joined: string }>`
          select (select sum(n)::int from unnest(${numbers}::int4[]) as n) as total,
                 (select string_agg(w, '-') from unnest(${words}::text[]) as w) as joined`;
      },
    );
    try {
      assert.deepEqual((await sumAndJoin(db, { numbers: [1, 2], words: ["a", "b"] })).rows, [{ total: 3, joined: "a-b" }]);
      assert.deepEqual((await sumAndJoin(db, { numbers: [5, 5, 5], words: ["x"] })).rows, [{ total: 15, joined: "x" }]);
      const inTransaction = await db.transaction().execute((trx) => sumAndJoin(trx, { numbers: [7], words: ["t", "x"] }));
      assert.deepEqual(inTransaction.rows, [{ total: 7, joined: "t-x" }]);
      assert.equal(built, 1, "the template is built only for the first call");
    } finally {
      await db.destroy();
    }
  });

  test("refuses a template that uses its parameters out of order, at the first call", async () => {
    const db = createKyselyForUrl(await freshDatabase(), { poolSize: 1 });
    const swapped = fixedStatement(
      (input: { a: number; b: number }) => [input.a, input.b],
      ([a, b]) => sql`select ${b}::int - ${a}::int as d`,
    );
    try {
      await assert.rejects(swapped(db, { a: 1, b: 2 }), /each parameter exactly once, in the order given/);
    } finally {
      await db.destroy();
    }
  });
});
