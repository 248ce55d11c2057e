import { sql, type Kysely } from "kysely";
import type { WorkerHeartbeat } from "../worker-record.js";
import type { Database } from "./database.js";
import type { WorkerRow } from "./workers.table.js";

// SQL only, for `workers` (the worker registry; see the create-workers migration).

/**
 * Inserts or refreshes one worker's row with heartbeat_at = now(), and
 * deletes, in the same statement, rows whose last heartbeat is older than
 * `horizonMs` (workers that died long ago).
 */
export async function upsertWorkerRow(db: Kysely<Database>, w: WorkerHeartbeat, horizonMs: number): Promise<void> {
  await sql`
    with upserted as (
      insert into workers (id, name, hostname, pid, queues, task_types, concurrency, in_flight, heartbeat_ms, started_at, heartbeat_at)
      values (${w.id}, ${w.name}, ${w.hostname}, ${w.pid}, ${JSON.stringify(w.queues)}::jsonb, ${JSON.stringify(w.taskTypes)}::jsonb,
              ${w.concurrency}, ${w.inFlight}, ${w.heartbeatMs}, ${w.startedAt.toISOString()}::timestamptz, now())
      on conflict (id) do update set
        name = excluded.name, hostname = excluded.hostname, pid = excluded.pid, queues = excluded.queues,
        task_types = excluded.task_types, concurrency = excluded.concurrency, in_flight = excluded.in_flight,
        heartbeat_ms = excluded.heartbeat_ms, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at
    )
    delete from workers
    where heartbeat_at < now() - make_interval(secs => ${horizonMs / 1000}::float8) and id <> ${w.id}
  `.execute(db);
}

/** Deletes one worker's row. */
export async function deleteWorkerRow(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom("workers").where("id", "=", id).execute();
}

/** A worker row with its heartbeat age (seconds, by the store's clock) and liveness. */
export type WorkerRowWithAge = WorkerRow & { age_seconds: number; alive: boolean };

/** Rows whose last heartbeat is younger than `horizonMs`; alive first (younger than three intervals), then by id. */
export async function selectWorkerRows(db: Kysely<Database>, horizonMs: number): Promise<WorkerRowWithAge[]> {
  const { rows } = await sql<WorkerRowWithAge>`
    select w.*, greatest(0, extract(epoch from now() - w.heartbeat_at))::float8 as age_seconds,
           w.heartbeat_at > now() - make_interval(secs => 3 * w.heartbeat_ms / 1000.0) as alive
    from workers as w
    where w.heartbeat_at >= now() - make_interval(secs => ${horizonMs / 1000}::float8)
    order by alive desc, w.id
  `.execute(db);
  return rows;
}
