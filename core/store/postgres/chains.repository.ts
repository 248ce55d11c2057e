import { sql, type Kysely } from "kysely";
import type { JsonValue } from "../../task/json.js";
import type { TaskErrorInfo } from "../../task/task-error.js";
import type { TaskStatus } from "../../task/task-status.js";
import type { ChainRecord, InsertedChain, NewChain } from "../chain-record.js";
import type { NewTask } from "../task-record.js";
import type { Database } from "./database.js";
import type { ChainRow, ChainStepJson } from "./chains.table.js";
import { insertTaskRows } from "./tasks.repository.js";

// SQL for `chains` (see the create-chains migration), and the row → record
// mapping. Steps after the first are created by the migration's trigger, not here.

/** The state of one step's task, as {@link selectChainStepTasks} reads it. */
export interface ChainStepTaskRow {
  id: string;
  chain_step: number;
  status: TaskStatus;
  result: JsonValue | null;
  error: TaskErrorInfo | null;
}

/**
 * In one transaction: inserts the chain, unless its (owner, idempotency key)
 * exists (then nothing is written and the earlier chain is reported), and
 * its first step's task through the tasks' insert (with its outbox row),
 * marked as step 0 of the chain.
 */
export async function insertChainWithFirstTask(db: Kysely<Database>, chain: NewChain, first: NewTask): Promise<InsertedChain> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`
      insert into chains (id, owner, step_count, steps, idempotency_key)
      values (${chain.id}, ${chain.owner}, ${chain.steps.length}, ${JSON.stringify(chain.steps.map(stepJson))}::jsonb, ${chain.idempotencyKey})
      on conflict ((coalesce(owner, '')), idempotency_key) where idempotency_key is not null do nothing
      returning id
    `.execute(trx);
    if (rows.length === 0) {
      const earlier = await trx
        .selectFrom("chains")
        .select("id")
        .where(sql<string>`coalesce(owner, '')`, "=", chain.owner ?? "")
        .where("idempotency_key", "=", chain.idempotencyKey)
        .executeTakeFirstOrThrow();
      return { id: earlier.id, existing: true };
    }
    await insertTaskRows(trx, [{ ...first, hold: false, idempotencyKey: null }]);
    // A separate update, so the tasks' batch insert stays as it is; it sets no status, so no trigger fires.
    await trx.updateTable("tasks").set({ chain_id: chain.id, chain_step: 0 }).where("id", "=", first.id).execute();
    return { id: chain.id, existing: false };
  });
}

/**
 * One chain row by (valid UUID) id, with the tasks of its steps created so
 * far (through the (chain_id, chain_step) index), in one statement: one
 * snapshot, so the chain's state and its steps' always agree.
 */
export async function selectChainWithSteps(db: Kysely<Database>, id: string): Promise<(ChainRow & { step_tasks: ChainStepTaskRow[] }) | undefined> {
  const { rows } = await sql<ChainRow & { step_tasks: ChainStepTaskRow[] }>`
    select c.*, coalesce((
      select jsonb_agg(jsonb_build_object('id', t.id, 'chain_step', t.chain_step, 'status', t.status, 'result', t.result, 'error', t.error)
                       order by t.chain_step)
      from tasks as t where t.chain_id = c.id
    ), '[]'::jsonb) as step_tasks
    from chains as c where c.id = ${id}
  `.execute(db);
  return rows[0];
}

/** A chain row and its steps' tasks as the record the store answers with. */
export function chainRowToRecord(row: ChainRow, tasks: readonly ChainStepTaskRow[]): ChainRecord {
  const byStep = new Map(tasks.map((t) => [t.chain_step, t]));
  return {
    id: row.id,
    owner: row.owner,
    status: row.status,
    currentStep: row.current_step,
    steps: row.steps.map((s, index) => {
      const t = byStep.get(index);
      return {
        index,
        type: s.type,
        inputField: s.input_field,
        taskId: t?.id ?? null,
        status: t?.status ?? null,
        result: t?.status === "SUCCESS" ? t.result : null,
        error: t?.status === "FAILURE" ? t.error : null,
      };
    }),
    result: row.result,
    error: row.error,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/** A step plan as stored in `chains.steps` (snake_case keys, read by the trigger). */
function stepJson(s: NewChain["steps"][number]): ChainStepJson {
  return {
    type: s.type,
    queue: s.queue,
    args: s.args,
    input_field: s.inputField,
    permission: s.permission,
    max_retries: s.maxRetries,
    timeout_ms: s.timeoutMs,
    priority: s.priority,
  };
}
