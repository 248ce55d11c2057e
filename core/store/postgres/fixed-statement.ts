import { CompiledQuery, type Kysely, type QueryResult, type RawBuilder } from "kysely";

/** Runs a {@link fixedStatement} on `db` (a Kysely instance or a transaction) with `input`. */
export type FixedStatement<I, R> = (db: Kysely<any>, input: I) => Promise<QueryResult<R>>;

/**
 * A statement whose SQL text is the same on every call, only its
 * parameters change: the store's batch statements, which pass one array
 * parameter per column. Kysely builds a `sql` template into nodes and
 * compiles them to text again on every call (~7% of a worker's CPU during a
 * drain went to that, for the same few texts); this compiles the template
 * once per Kysely adapter and then runs the cached text with the new
 * parameters. The same text object each time also keeps the prepared
 * statement lookup cheap (see preparingClient).
 *
 * @param parameters the statement's parameters for an input, in the order
 *   the template uses them.
 * @param template the statement, using each of those parameters exactly
 *   once, in that order, as `${params[i]}`; checked at the first call.
 * @throws Error at the first call when the template uses other parameters
 *   or another order.
 */
export function fixedStatement<I, R>(
  parameters: (input: I) => unknown[],
  template: (params: readonly unknown[]) => RawBuilder<R>,
): FixedStatement<I, R> {
  // Per adapter (one per Kysely instance, shared with its transactions): another dialect may compile other text.
  const texts = new WeakMap<object, string>();
  return async (db, input) => {
    const params = parameters(input);
    const adapter = db.getExecutor().adapter;
    let text = texts.get(adapter);
    if (text === undefined) {
      const compiled = template(params).compile(db);
      if (compiled.parameters.length !== params.length || compiled.parameters.some((p, i) => p !== params[i])) {
        throw new Error("fixedStatement: the template must use each parameter exactly once, in the order given");
      }
      text = compiled.sql;
      texts.set(adapter, text);
    }
    return db.executeQuery<R>(CompiledQuery.raw(text, params));
  };
}
