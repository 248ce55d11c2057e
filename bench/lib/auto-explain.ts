import pg from "pg";

/**
 * Postgres' `auto_explain` on a private benchmark server: the plans of the
 * statements the server and workers really run (their own prepared generic
 * plans), not of hand-written copies of them. {@link prepareAutoExplain}
 * loads the module into every new session (so call it before tstasks
 * connects) and sends the server's log to a file; {@link capturePlans}
 * switches the logging on for as long as `during` runs and parses the
 * plans logged meanwhile.
 */

/** One statement's plan as auto_explain logged it the first time, with how often it ran. */
export interface CapturedPlan {
  /** The statement's text, whitespace collapsed. */
  query: string;
  /** How many times it was logged during the capture. */
  calls: number;
  /** Mean execution time, ms. */
  meanMs: number;
  /** The plan as indented lines: node, relation and index, actual rows, conditions. */
  plan: string[];
}

/**
 * Sets what auto_explain needs in postgresql.auto.conf: the module loaded
 * into every new session, logging off until {@link capturePlans}, the log
 * in files under the data directory. `restart` must restart the server
 * (logging_collector takes effect only then).
 */
export async function prepareAutoExplain(adminUrl: string, restart: () => Promise<void>): Promise<void> {
  await alterSystem(adminUrl, [
    "session_preload_libraries = 'auto_explain'",
    "auto_explain.log_min_duration = -1",
    "auto_explain.log_format = 'json'",
    "auto_explain.log_analyze = on",
    "auto_explain.log_timing = off",
    "auto_explain.log_nested_statements = on",
    "logging_collector = on",
    "log_directory = 'log'",
  ]);
  await restart();
}

/**
 * Logs the plan of every statement that runs while `during` runs, then
 * switches that off again and returns the plans of the statements on tasks
 * and its side tables, the most frequent first.
 */
export async function capturePlans(adminUrl: string, during: () => Promise<void>): Promise<CapturedPlan[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const file = (await client.query<{ f: string }>("select pg_current_logfile() as f")).rows[0]!.f;
    const from = Number((await client.query<{ size: string }>("select (pg_stat_file($1)).size as size", [file])).rows[0]!.size);
    await alterSystem(adminUrl, ["auto_explain.log_min_duration = 0"]);
    try {
      // A reload reaches every backend at its next statement; give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await during();
    } finally {
      await alterSystem(adminUrl, ["auto_explain.log_min_duration = -1"]);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const size = Number((await client.query<{ size: string }>("select (pg_stat_file($1)).size as size", [file])).rows[0]!.size);
    const text = (await client.query<{ t: string }>("select pg_read_file($1, $2, $3) as t", [file, from, size - from])).rows[0]!.t;
    return parsePlans(text);
  } finally {
    await client.end();
  }
}

async function alterSystem(adminUrl: string, settings: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // alter system knows auto_explain's settings only once the module is loaded here.
    await client.query("load 'auto_explain'");
    for (const setting of settings) await client.query(`alter system set ${setting}`);
    await client.query("select pg_reload_conf()");
  } finally {
    await client.end();
  }
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "CTE Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Index Cond"?: string;
  "Filter"?: string;
  "Recheck Cond"?: string;
  "Hash Cond"?: string;
  "Join Filter"?: string;
  "Sort Key"?: string[];
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** Parses auto_explain's JSON entries out of a stderr-format log (continuation lines start with a tab). */
export function parsePlans(log: string): CapturedPlan[] {
  const entries: { durationMs: number; json: string }[] = [];
  let current: { durationMs: number; lines: string[] } | undefined;
  const close = (): void => {
    if (current) entries.push({ durationMs: current.durationMs, json: current.lines.join("\n") });
    current = undefined;
  };
  for (const line of log.split("\n")) {
    if (line.startsWith("\t")) {
      current?.lines.push(line.slice(1));
      continue;
    }
    close();
    const m = /LOG: {2}duration: ([\d.]+) ms {2}plan:\s*$/.exec(line);
    if (m) current = { durationMs: Number(m[1]), lines: [] };
  }
  close();
  const byQuery = new Map<string, CapturedPlan & { totalMs: number }>();
  for (const entry of entries) {
    let parsed: { "Query Text": string; Plan: PlanNode };
    try {
      parsed = JSON.parse(entry.json) as typeof parsed;
    } catch {
      continue;
    }
    const query = parsed["Query Text"].replace(/\s+/g, " ").trim();
    if (!/\b(tasks|task_outbox|task_logs)\b/.test(query)) continue;
    const seen = byQuery.get(query);
    if (seen) {
      seen.calls++;
      seen.totalMs += entry.durationMs;
      seen.meanMs = seen.totalMs / seen.calls;
    } else {
      byQuery.set(query, { query, calls: 1, totalMs: entry.durationMs, meanMs: entry.durationMs, plan: renderPlan(parsed.Plan) });
    }
  }
  return [...byQuery.values()]
    .sort((a, b) => b.calls - a.calls)
    .map(({ query, calls, meanMs, plan }) => ({ query, calls, meanMs, plan }));
}

function renderPlan(node: PlanNode, depth = 0): string[] {
  const name = [
    node["Node Type"],
    node["Index Name"] ? ` using ${node["Index Name"]}` : "",
    node["Relation Name"] ? ` on ${node["Relation Name"]}` : "",
    node["CTE Name"] ? ` ${node["CTE Name"]}` : "",
    node["Actual Rows"] !== undefined ? `  (actual rows=${node["Actual Rows"]} loops=${node["Actual Loops"] ?? 1})` : "",
  ].join("");
  const pad = "  ".repeat(depth);
  const lines = [`${pad}${depth === 0 ? "" : "-> "}${name}`];
  for (const key of ["Index Cond", "Recheck Cond", "Hash Cond", "Join Filter", "Filter"] as const) {
    const value = node[key];
    if (value) lines.push(`${pad}     ${key}: ${value}`);
  }
  if (node["Rows Removed by Filter"]) lines.push(`${pad}     Rows Removed by Filter: ${node["Rows Removed by Filter"]}`);
  if (node["Sort Key"]) lines.push(`${pad}     Sort Key: ${node["Sort Key"].join(", ")}`);
  for (const child of node.Plans ?? []) lines.push(...renderPlan(child, depth + 1));
  return lines;
}
