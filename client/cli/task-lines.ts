import type { TaskSubmission } from "../index.js";
import { CliError } from "./cli-error.js";
import { ExitCode } from "./exit-codes.js";

/** One task read by {@link parseTaskLines}, with the line it came from (1-based). */
export interface TaskLine {
  line: number;
  task: TaskSubmission;
}

/** A field's value as read, or what is wrong with it (words that follow the field's name). */
type FieldValue = { value: unknown } | { problem: string };

/** A field of a task line: its TaskSubmission name and how its value is read. */
interface FieldRule {
  option: Exclude<keyof TaskSubmission, "type" | "args">;
  read: (value: unknown) => FieldValue;
}

const UINT32_MAX = 2 ** 32 - 1;
const INT32_MAX = 2 ** 31 - 1;

/** A whole number in 0..max (what the field's proto type holds; the server checks its own range). */
const wholeNumber =
  (max: number) =>
  (value: unknown): FieldValue =>
    typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max
      ? { value }
      : { problem: `must be a whole number from 0 to ${max}` };

/** The optional fields, by their snake_case name (the REST API's); each also accepted in camelCase. */
const FIELDS: Record<string, FieldRule> = {
  idempotency_key: { option: "idempotencyKey", read: (v) => (typeof v === "string" ? { value: v } : { problem: "must be a string" }) },
  max_retries: { option: "maxRetries", read: wholeNumber(INT32_MAX) },
  delay_ms: { option: "delayMs", read: wholeNumber(UINT32_MAX) },
  timeout_ms: { option: "timeoutMs", read: wholeNumber(UINT32_MAX) },
  queue_timeout_ms: { option: "queueTimeoutMs", read: wholeNumber(UINT32_MAX) },
  // Its range (0, 1..10) is the server's to check, per task.
  priority: { option: "priority", read: wholeNumber(INT32_MAX) },
  run_at: {
    option: "runAt",
    read: (v) => {
      const date = typeof v === "string" ? new Date(v) : undefined;
      return date && !Number.isNaN(date.getTime()) ? { value: date } : { problem: "must be a date and time, e.g. 2030-01-01T12:00:00Z" };
    },
  },
};

const camelCase = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** Every accepted key → its snake_case name. */
const KEYS = new Map<string, string>([
  ["type", "type"],
  ["args", "args"],
  ...Object.keys(FIELDS).flatMap((snake): [string, string][] => [
    [snake, snake],
    [camelCase(snake), snake],
  ]),
]);

const EXAMPLE = '{"type":"test.main.add","args":{"x":1,"y":2}}';

/**
 * Reads tasks as JSON lines: one object per line, `{"type": …, "args": {…}}`
 * plus any of `idempotency_key`, `max_retries`, `delay_ms`, `timeout_ms`,
 * `queue_timeout_ms`, `priority` and `run_at` (an RFC 3339 time), each also accepted in
 * camelCase (`idempotencyKey`, …). Blank lines are skipped; line numbers
 * count every line. Only the shape is checked here (the server checks the
 * rest, per task): a line that is not such an object, an unknown key (a
 * typo would otherwise be dropped in silence), a key given in both spellings,
 * or no task at all throws a CliError (exit 2) naming the line and `source`.
 */
export function parseTaskLines(text: string, source: string): TaskLine[] {
  const tasks: TaskLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    tasks.push({ line: i + 1, task: parseTaskLine(raw, (problem) => new CliError(`line ${i + 1} of ${source}: ${problem}`, ExitCode.USAGE)) });
  });
  if (tasks.length === 0) throw new CliError(`no tasks in ${source}: expected one JSON object per line, e.g. ${EXAMPLE}`, ExitCode.USAGE);
  return tasks;
}

function parseTaskLine(raw: string, fail: (problem: string) => CliError): TaskSubmission {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw fail(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) throw fail(`expected a JSON object, e.g. ${EXAMPLE}`);
  const seen = new Map<string, string>();
  for (const key of Object.keys(parsed)) {
    const name = KEYS.get(key);
    if (name === undefined) throw fail(`unknown field "${key}" (known: ${[...new Set(KEYS.values())].join(", ")})`);
    const other = seen.get(name);
    if (other !== undefined) throw fail(`"${other}" and "${key}" are the same field: give one`);
    seen.set(name, key);
  }
  const { type, args } = parsed;
  if (typeof type !== "string" || type === "") throw fail('"type" is required: a task type, e.g. test.main.add (see: tstasks types)');
  if (args !== undefined && !isObject(args)) throw fail('"args" must be a JSON object');
  const task: TaskSubmission = { type, args: args ?? {} };
  for (const [name, key] of seen) {
    const rule = FIELDS[name];
    if (!rule) continue;
    const read = rule.read(parsed[key]);
    if ("problem" in read) throw fail(`"${key}" ${read.problem}`);
    Object.assign(task, { [rule.option]: read.value });
  }
  return task;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
