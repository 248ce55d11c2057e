import { InvalidArgumentError } from "commander";
import type { TaskStatus } from "../index.js";

// commander argParsers: each throws InvalidArgumentError, which commander
// reports as a usage error naming the option (exit 2).

/** Every status, as the client spells them (a type-only import keeps --help from loading the client). */
const TASK_STATUSES = ["PENDING", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"] as const satisfies readonly TaskStatus[];

/** A whole number ≥ 0 (`--retries`, `--delay-ms`, `--timeout-ms`). */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

/** A whole number ≥ 1 (`--limit`). */
export function parsePositiveInt(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

/** A priority, a whole number from 1 to 10 (`--priority`). */
export function parsePriority(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 10) throw new InvalidArgumentError("expected a whole number from 1 to 10 (10 runs first)");
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: a number with a unit (`500ms`, `30s`, `1.5m`,
 * `2h`); a bare number means seconds.
 */
export function parseDuration(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError("expected a duration such as 30s, 500ms, 2m or 1h");
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? "s"]!);
}

/** A point in time in ISO 8601 (`2026-12-05T07:00:00Z`, `2026-12-05`: midnight UTC). */
export function parseTime(value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? new Date(value.trim()) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("expected an ISO 8601 time such as 2026-12-05T07:00:00Z");
  return date;
}

/** A task status name, any case (`failure` → FAILURE). */
export function parseStatus(value: string): TaskStatus {
  const upper = value.trim().toUpperCase();
  const status = TASK_STATUSES.find((s) => s === upper);
  if (!status) throw new InvalidArgumentError(`expected one of ${TASK_STATUSES.join(", ")}`);
  return status;
}

/** An http(s) URL of the server, without a trailing slash. */
export function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL such as http://127.0.0.1:8080");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("expected an http:// or https:// URL");
  return value.replace(/\/+$/, "");
}
