import type { Selectable } from "kysely";
import type { JsonbColumn } from "./tasks.table.js";

/** The `workers` table: one row per registered worker process (see the create-workers migration). */
export interface WorkersTable {
  id: string;
  /** The name recorded on the attempts it runs (`WORKER_NAME`). */
  name: string;
  hostname: string;
  pid: number;
  queues: JsonbColumn<string[]>;
  task_types: JsonbColumn<string[]>;
  concurrency: number;
  in_flight: number;
  /** Its heartbeat interval in ms. */
  heartbeat_ms: number;
  started_at: Date;
  /** Its last heartbeat, by the store's clock. */
  heartbeat_at: Date;
}

/** A `workers` row as selected. */
export type WorkerRow = Selectable<WorkersTable>;
