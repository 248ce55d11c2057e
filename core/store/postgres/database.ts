import type { TaskTypesTable } from "./task-types.table.js";
import type { TasksTable } from "./tasks.table.js";
import type { UsersTable } from "../users/users.table.js";
import type { TaskLogsTable } from "./task-logs.table.js";
import type { TaskOutboxTable } from "./task-outbox.table.js";
import type { WorkersTable } from "./workers.table.js";
import type { SchedulesTable } from "./schedules.table.js";
import type { TaskGroupsTable } from "./task-groups.table.js";
import type { ChainsTable } from "./chains.table.js";
import type { ConcurrencyLeasesTable, RateLimitsTable } from "./concurrency-limits.table.js";

/** Every table of the tstasks schema, as Kysely sees it (`Kysely<Database>`). */
export interface Database {
  tasks: TasksTable;
  task_types: TaskTypesTable;
  users: UsersTable;
  task_logs: TaskLogsTable;
  task_outbox: TaskOutboxTable;
  workers: WorkersTable;
  schedules: SchedulesTable;
  task_groups: TaskGroupsTable;
  chains: ChainsTable;
  concurrency_leases: ConcurrencyLeasesTable;
  rate_limits: RateLimitsTable;
}
