import type { TaskRecord } from "../task-record.js";
import type { TaskTypeRecord } from "../task-type-record.js";
import type { InsertableTaskTypeRow, TaskTypeRow } from "./task-types.table.js";
import type { TaskRow } from "./tasks.table.js";
import { DEFAULT_PRIORITY } from "../../task/priority.js";

// The one place where snake_case rows become camelCase records and back.

/** A `tasks` row as the store's record. */
export function taskRowToRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    status: row.status,
    args: row.args,
    result: row.result,
    error: row.error,
    attempts: row.attempts,
    worker: row.worker,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    owner: row.owner,
    permission: row.permission,
    errors: row.errors,
    maxRetries: row.max_retries,
    runAt: row.run_at,
    idempotencyKey: row.idempotency_key,
    timeoutMs: row.timeout_ms,
    expiresAt: row.expires_at,
    lostAttempts: row.lost_attempts,
    progress: row.progress,
    progressMessage: row.progress_message,
    unservedHandbacks: row.unserved_handbacks,
    unservedSince: row.unserved_since,
    requeues: row.requeues,
    groupId: row.group_id,
    groupIndex: row.group_index,
    gatherOf: row.gather_of,
    chainId: row.chain_id,
    chainStep: row.chain_step,
    priority: row.priority,
  };
}

/** A `task_types` row as the catalog record. */
export function taskTypeRowToRecord(row: TaskTypeRow): TaskTypeRecord {
  return {
    name: row.name,
    queue: row.queue,
    protected: row.protected,
    argsSchema: row.args_schema,
    description: row.description,
    pack: row.pack,
    packVersion: row.pack_version,
    priority: row.priority,
  };
}

/** A catalog record as the row to upsert (`updated_at` is set by the database). */
export function taskTypeRecordToRow(record: TaskTypeRecord): InsertableTaskTypeRow {
  return {
    name: record.name,
    queue: record.queue,
    protected: record.protected,
    args_schema: JSON.stringify(record.argsSchema),
    description: record.description,
    pack: record.pack,
    pack_version: record.packVersion,
    priority: record.priority ?? DEFAULT_PRIORITY,
  };
}
