import type { Kysely } from "kysely";
import { isUuid } from "../../task/uuid.js";
import type { ListSchedulesQuery, SchedulePage } from "../schedule-record.js";
import { InvalidListQueryError } from "../store-errors.js";
import type { Database } from "./database.js";
import { scheduleRowToRecord, selectScheduleRows } from "./schedules.repository.js";

/**
 * {@link TaskStore.listSchedules} on Kysely (Postgres and PGlite): checks the
 * limit (1..1000) and the cursor (InvalidListQueryError), then reads one row
 * more than asked in the same query, which tells whether a next page exists
 * without a count.
 */
export async function listSchedulePage(db: Kysely<Database>, query: ListSchedulesQuery): Promise<SchedulePage> {
  const { limit, after } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidListQueryError(`limit must be an integer in 1..1000, got ${limit}`);
  }
  if (after !== undefined && (!isUuid(after.id) || Number.isNaN(after.createdAt.getTime()))) {
    throw new InvalidListQueryError("the list cursor is not valid");
  }
  const rows = await selectScheduleRows(db, { ...query, limit: limit + 1 });
  const schedules = rows.slice(0, limit).map(scheduleRowToRecord);
  const last = schedules.at(-1);
  return rows.length > limit && last ? { schedules, next: { createdAt: last.createdAt, id: last.id } } : { schedules };
}
