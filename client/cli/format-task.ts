import type { LogLine, TaskInfo, TaskStatus, TaskTypeInfo } from "../index.js";

// Status rules are restated here (not imported from the client's values) so
// that a usage error or --help never loads the client and its transports.

/** True for the statuses a task never leaves: SUCCESS, FAILURE, REVOKED. */
export function isFinal(status: TaskStatus): boolean {
  return status === "SUCCESS" || status === "FAILURE" || status === "REVOKED";
}

/** True for the final statuses that are not a success: FAILURE, REVOKED (exit status 1). */
export function endedBadly(status: TaskStatus): boolean {
  return status === "FAILURE" || status === "REVOKED";
}

/**
 * A task's result for a terminal or a shell variable: a string as it is,
 * anything else as compact JSON (`3`, `{"pi":3.14,"samples":1000}`, `null`).
 */
export function formatResult(result: unknown): string {
  return typeof result === "string" ? result : JSON.stringify(result ?? null);
}

/** `Type: message` of the task's last error, or its status when it has none (a REVOKED task). */
export function formatTaskError(task: TaskInfo): string {
  return task.error ? `${task.error.type}: ${task.error.message}` : task.status;
}

/** One line for a failed task on standard error: `task <id> ended FAILURE: Type: message`. */
export function failureLine(task: TaskInfo): string {
  return task.error ? `task ${task.id} ended ${task.status}: ${formatTaskError(task)}` : `task ${task.id} ended ${task.status}`;
}

/** A task as `key  value` lines (empty fields left out), for `get` and friends in text mode. */
export function formatTaskDetails(task: TaskInfo): string {
  const rows: [string, string | undefined][] = [
    ["id", task.id],
    ["type", task.type],
    ["status", task.status],
    ["args", JSON.stringify(task.args)],
    ["result", task.status === "SUCCESS" ? JSON.stringify(task.result ?? null) : undefined],
    ["error", task.error ? formatTaskError(task) : undefined],
    ["progress", task.progress > 0 || task.progressMessage ? formatProgress(task.progress, task.progressMessage) : undefined],
    ["attempts", String(task.attempts)],
    ["queue", task.queue || undefined],
    ["priority", task.priority ? String(task.priority) : undefined],
    ["worker", task.worker || undefined],
    ["owner", task.owner || undefined],
    ["created", task.createdAt?.toISOString()],
    ["run at", task.runAt?.toISOString()],
    ["started", task.startedAt?.toISOString()],
    ["finished", task.finishedAt?.toISOString()],
    ["expires", task.expiresAt?.toISOString()],
    ["timeout", task.timeoutMs ? `${task.timeoutMs}ms` : undefined],
    ["idempotency", task.idempotencyKey || undefined],
  ];
  return rows
    .filter((r): r is [string, string] => r[1] !== undefined)
    .map(([k, v]) => `${k.padEnd(12)}${v}`)
    .join("\n");
}

/** `0.40 chunk 4/10`: the fraction with two decimals, then the task's message if any. */
export function formatProgress(fraction: number, message: string): string {
  return message ? `${fraction.toFixed(2)} ${message}` : fraction.toFixed(2);
}

/** A log line as `<time> <level> [attempt N] <message>` (time left out when unknown). */
export function formatLogLine(line: LogLine): string {
  const time = line.time ? `${line.time.toISOString()} ` : "";
  return `${time}${line.level.padEnd(5)} [attempt ${line.attempt}] ${line.message}`;
}

/** Tasks as a table: ID, TYPE, STATUS, CREATED. */
export function formatTaskTable(tasks: readonly TaskInfo[]): string {
  return table(
    ["ID", "TYPE", "STATUS", "CREATED"],
    tasks.map((t) => [t.id, t.type, t.status, t.createdAt?.toISOString() ?? "-"]),
  );
}

/** Task types as a table sorted by name: NAME, AUTH (yes when a token that allows it is needed), QUEUE, DESCRIPTION. */
export function formatTypeTable(types: Record<string, TaskTypeInfo>): string {
  const rows = Object.values(types)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => [t.name, t.requireAuthorization ? "yes" : "no", t.queue || "-", t.description || "-"]);
  return table(["NAME", "AUTH", "QUEUE", "DESCRIPTION"], rows);
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((r) => r[col]!.length)));
  return all.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  ")).join("\n");
}
