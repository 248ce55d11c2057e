import type { Selectable } from "kysely";

/** The `concurrency_leases` table: one row per task holding a slot of its (type, key) (see the create-concurrency-limits migration). */
export interface ConcurrencyLeasesTable {
  task_id: string;
  task_type: string;
  key: string;
  /** The worker that took (or last re-took) the lease. */
  holder: string;
  /** By the store's clock; a lease past it no longer counts. */
  expires_at: Date;
}

/** The `rate_limits` table: one token bucket per task type. */
export interface RateLimitsTable {
  task_type: string;
  tokens: number;
  /** When `tokens` was last brought up to date, by the store's clock. */
  refilled_at: Date;
}

/** A `concurrency_leases` row as selected. */
export type ConcurrencyLeaseRow = Selectable<ConcurrencyLeasesTable>;
