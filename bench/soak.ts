/**
 * `npm run bench:soak -- <rows|steady> [options]`: how tstasks holds up as
 * work accumulates (issue 11, "Memory" and "Cost as work grows"). Starts a
 * private Postgres and nats-server and the built server and worker
 * processes, as `npm run bench` does.
 *
 *   rows    bulk submit, single submit and drain measured on an empty table, then again with
 *           --rows finished tasks in it (default 5,000,000, made in Postgres, spread over the last
 *           six days), and the plans Postgres used for every statement on tasks meanwhile
 *           (auto_explain, from the server's and worker's own prepared statements).
 *           Options: --rows R  --n N (tasks per measurement, default 20,000)  --reps R (default 3)
 *   steady  an open loop of POST /task at --rate tasks/s (default 1,000) for --minutes (default 10)
 *           with one worker running and RESULT_RETENTION=--retention (default 2m, swept every 10 s):
 *           every 30 s the submit rate and latency, tasks finished and their insert → finish time,
 *           the backlog, the server's and worker's RSS and the tasks table's size.
 *
 * `--verbose` prints the server's and worker's output. `--write` puts the result into docs/soak.md (its section of that mode); otherwise it only prints.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { startNats } from "../test/harness/nats-server.js";
import { startPostgres } from "../test/harness/postgres-server.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { capturePlans, prepareAutoExplain, type CapturedPlan } from "./lib/auto-explain.js";
import { writeSection } from "./lib/doc-section.js";
import { describeMachine } from "./lib/machine.js";
import { memoryMiB } from "./lib/procfs.js";
import { median, msBetween, quantile, sleep } from "./lib/stats.js";
import { NOOP_TYPE, startTstasks, type Tstasks } from "./tstasks.js";

const DOC = join(import.meta.dirname, "..", "docs", "soak.md");
const DOC_INTRO = `# Soak: tstasks as work accumulates

Written by \`npm run bench:soak -- <rows|steady> --write\` (bench/soak.ts) from real runs; the text between
each pair of markers is replaced by the next run of that mode. docs/performance.md has the throughput and
latency benchmark against BullMQ; this file answers issue 11's "Memory" and "Cost as work grows".
`;

interface Options {
  mode: "rows" | "steady";
  rows: number;
  n: number;
  reps: number;
  rate: number;
  minutes: number;
  retention: string;
  write: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Options {
  const mode = argv[0];
  if (mode !== "rows" && mode !== "steady") throw new Error("usage: npm run bench:soak -- <rows|steady> [--rows R] [--n N] [--reps R] [--rate R] [--minutes M] [--retention D] [--write]");
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!(v > 0)) throw new Error(`${flag} needs a positive number`);
    return v;
  };
  const i = argv.indexOf("--retention");
  return {
    mode,
    rows: value("--rows", 5_000_000),
    n: value("--n", 20_000),
    reps: value("--reps", 3),
    rate: value("--rate", 1000),
    minutes: value("--minutes", 10),
    retention: i >= 0 ? argv[i + 1]! : "2m",
    write: argv.includes("--write"),
    verbose: argv.includes("--verbose"),
  };
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head!.join(" | ")} |`, `|${head!.map(() => "---").join("|")}|`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function machineLine(): string {
  const m = describeMachine(undefined);
  return `${m.date}; ${m.cpu}, ${m.cores} cores, ${fmt(m.ramGiB, 1)} GiB; ${m.kernel}; Node ${m.node}; ${m.postgres}; ${m.natsServer}; load at start ${m.loadAtStart}`;
}

/** What one round of {@link measureRates} saw. */
interface Rates {
  bulk: number;
  single: number;
  drain: number;
}

/** Bulk submit, single submit (worker stopped) and the drain of both by a fresh worker; the medians of `reps`. */
async function measureRates(t: Tstasks, n: number, reps: number, log: (line: string) => void): Promise<Rates> {
  const seen: Rates[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    const baseline = await t.successCount();
    const bulk = await t.enqueueBulk(n, 1000, 1);
    const single = await t.enqueueSingle(n / 2);
    const worker = await t.startWorker();
    const { rate: drain } = await t.drain(worker, baseline, n + n / 2);
    await t.stopWorker(worker);
    log(`  #${rep}: bulk ${fmt(bulk)}/s, single ${fmt(single)}/s, drain ${fmt(drain)}/s`);
    seen.push({ bulk, single, drain });
  }
  return {
    bulk: median(seen.map((s) => s.bulk)),
    single: median(seen.map((s) => s.single)),
    drain: median(seen.map((s) => s.drain)),
  };
}

/**
 * Adds `count` finished tasks (98% SUCCESS, 1.5% FAILURE, 0.5% REVOKED) in
 * Postgres itself, copied from a real finished task (so every column is
 * one the product writes) with new ids, args and times spread evenly over
 * the last six days (inside the default 7-day retention), oldest first as
 * they would have arrived, in statements of 500,000 rows.
 */
async function fillFinishedRows(db: pg.Client, count: number, log: (line: string) => void): Promise<void> {
  const chunk = 500_000;
  const spanMs = 6 * 86_400_000;
  const started = performance.now();
  for (let from = 0; from < count; from += chunk) {
    const to = Math.min(count, from + chunk);
    await db.query(
      `insert into tasks
       select r.*
         from (select * from tasks where status = 'SUCCESS' limit 1) as t,
              generate_series($1::int, $2::int - 1) as g,
              lateral (select now() - make_interval(secs => ($3::float8 * ($4::int - g) / $4::int) / 1000)) as at(c),
              lateral jsonb_populate_record(null::tasks, to_jsonb(t) || jsonb_build_object(
                'id', gen_random_uuid(),
                'status', case when g % 200 = 0 then 'REVOKED' when g % 67 = 0 then 'FAILURE' else 'SUCCESS' end,
                'args', jsonb_build_object('a', g, 'b', 1),
                'result', case when g % 200 = 0 or g % 67 = 0 then null else jsonb_build_object('sum', g + 1, 'startNs', '0') end,
                'error', case when g % 200 = 0 then '{"type":"Revoked","message":"revoked"}'::jsonb
                              when g % 67 = 0 then '{"type":"Error","message":"boom"}'::jsonb end,
                'idempotency_key', null,
                'created_at', c,
                'started_at', c + interval '2 ms',
                'finished_at', c + interval '3 ms')) as r`,
      [from, to, spanMs, count],
    );
    log(`  ${fmt(to)} of ${fmt(count)} rows (${fmt((performance.now() - started) / 1000)} s)`);
  }
  await db.query("vacuum analyze tasks");
  log(`  vacuum analyze done (${fmt((performance.now() - started) / 1000)} s in all)`);
}

/** Every kind of call the product serves, a few times each, with a worker running: what {@link capturePlans} sees. */
async function exerciseEveryPath(t: Tstasks, databaseUrl: string): Promise<void> {
  const token = await adminToken(t, databaseUrl);
  const worker = await t.startWorker();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await t.submit(i));
    await t.enqueueBulk(200, 100, 1);
    const get = async (path: string, method = "GET"): Promise<void> => {
      const res = await fetch(`${t.origin}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      // 409: a retry of a task that did not fail, still a read of its row.
      if (res.status !== 200 && res.status !== 409) throw new Error(`${method} ${path} answered ${res.status}`);
    };
    for (const id of ids.slice(0, 5)) await get(`/task/${id}`);
    await get(`/task?type=${NOOP_TYPE}&status=SUCCESS&pageSize=50`);
    await get(`/task?status=FAILURE&pageSize=50`);
    await get(`/task?pageSize=50`);
    await get(`/task/${ids[0]}/logs`);
    await get(`/task/${ids[0]}/retry`, "POST");
    // Long enough for the server's periodic sweeps (retention every 5 s here, expiry, the outbox) to run.
    await sleep(6_000);
  } finally {
    await t.stopWorker(worker);
  }
}

/** Adds an admin user with the users CLI (as an operator would) and returns a token of theirs from POST /token. */
async function adminToken(t: Tstasks, databaseUrl: string): Promise<string> {
  const password = "soak-password";
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["dist/server/users-cli/main.js", "add", "soak-admin", "--role", "admin"],
      { cwd: join(import.meta.dirname, ".."), env: { ...process.env, DATABASE_URL: databaseUrl } },
      (err, _stdout, stderr) => (err ? reject(new Error(`users add failed: ${stderr}`, { cause: err })) : resolve()),
    );
    child.stdin!.end(`${password}\n`);
  });
  const res = await fetch(`${t.origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "soak-admin", password }),
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 200 || !body.token) throw new Error(`POST /token answered ${res.status}: ${JSON.stringify(body)}`);
  return body.token;
}

function plansSection(plans: CapturedPlan[]): string {
  return plans
    .map((p) => `- ${p.calls} call${p.calls === 1 ? "" : "s"}, ${fmt(p.meanMs, 2)} ms mean:\n\n  \`\`\`sql\n  ${p.query}\n  \`\`\`\n\n  \`\`\`\n${p.plan.map((l) => `  ${l}`).join("\n")}\n  \`\`\``)
    .join("\n\n");
}

/** The built server (and workers on demand) as every soak runs them: concurrency 50, 100 submits in flight, plus `env`. */
function startSoakTstasks(databaseUrl: string, natsUrl: string, dataDir: string, verbose: boolean, env: Record<string, string>): Promise<Tstasks> {
  return startTstasks({ databaseUrl, natsUrl, dataDir, concurrency: 50, inFlight: 100, verbose, env });
}

async function rowsMode(o: Options, log: (line: string) => void): Promise<string> {
  const postgres = await startPostgres();
  const nats = await startNats();
  const dataDir = makeTempDir("tstasks-soak-");
  const adminUrl = postgres.url;
  let t: Tstasks | undefined;
  const db = new pg.Client({ connectionString: adminUrl });
  try {
    await prepareAutoExplain(adminUrl, () => postgres.restart());
    await db.connect();
    // Sweeps every 5 s so the explain window sees one; 7 days keeps every filled row.
    t = await startSoakTstasks(postgres.url, nats.url, dataDir.path, o.verbose, { RESULT_RETENTION: "7d", RETENTION_SWEEP_MS: "5000" });
    const tstasks = t;
    const warm = await tstasks.startWorker();
    await tstasks.warmUp(1000);
    await tstasks.stopWorker(warm);

    log(`empty table (${fmt(await rowCount(db))} rows): ${o.reps} × (bulk ${fmt(o.n)}, single ${fmt(o.n / 2)}, drain of both)`);
    const rowsBefore = await rowCount(db);
    const before = await measureRates(tstasks, o.n, o.reps, log);
    log(`filling ${fmt(o.rows)} finished rows`);
    await fillFinishedRows(db, o.rows, log);
    const rowsAfter = await rowCount(db);
    const size = (await db.query<{ s: string }>("select pg_size_pretty(pg_total_relation_size('tasks')) as s")).rows[0]!.s;
    log(`full table (${fmt(rowsAfter)} rows, ${size} with its indexes): the same again`);
    const after = await measureRates(tstasks, o.n, o.reps, log);
    log("capturing the plans of every statement on tasks (auto_explain)");
    const plans = await capturePlans(adminUrl, () => exerciseEveryPath(tstasks, postgres.url));
    for (const p of plans) log(`  ${p.calls}× ${fmt(p.meanMs, 2)} ms: ${p.plan[0]} — ${p.query.slice(0, 100)}`);
    const table = markdownTable([
      ["measure", `before: ${fmt(rowsBefore)} rows`, `after: ${fmt(rowsAfter)} rows (${size})`, "after / before"],
      ...(["bulk", "single", "drain"] as const).map((k) => [
        { bulk: "bulk submit (POST /task:batch, 1,000 a call)", single: "single submit (POST /task, 100 in flight)", drain: "drain (one worker, concurrency 50)" }[k],
        `${fmt(before[k])}/s`,
        `${fmt(after[k])}/s`,
        `${fmt(after[k] / before[k], 2)}×`,
      ]),
    ]);
    console.log(`\n${table}\n`);
    return [
      "## Rates with millions of finished tasks in the table",
      "",
      `\`npm run bench:soak -- rows --rows ${o.rows} --n ${o.n} --reps ${o.reps}\`: the medians of ${o.reps} repetitions, each ${fmt(o.n)}`,
      `tasks submitted in bulk and ${fmt(o.n / 2)} one by one with the worker stopped, then drained by a fresh worker; first with`,
      `the warm-up's rows only, then with ${fmt(o.rows)} finished tasks added (made in Postgres from a real finished row, spread`,
      "over the last six days, then `vacuum analyze`).",
      "",
      `Machine: ${machineLine()}.`,
      "",
      table,
      "",
      "### The plans Postgres used",
      "",
      "Every statement on `tasks`, `task_outbox` and `task_logs` that the server and worker ran while a worker",
      "ran 220 tasks, five tasks were read, three lists and a log were asked for, one task was retried and the",
      "server's sweeps ran, with the full table; logged by Postgres' `auto_explain` (`log_analyze`, so the rows",
      "are real counts) from the product's own prepared statements, most frequent first:",
      "",
      plansSection(plans),
    ].join("\n");
  } finally {
    await t?.stop();
    await db.end().catch(() => {});
    await Promise.all([nats.stop(), postgres.stop()]);
    await dataDir.remove();
  }
}

async function rowCount(db: pg.Client): Promise<number> {
  return Number((await db.query<{ n: string }>("select count(*) as n from tasks")).rows[0]!.n);
}

/** One 30-second window of the steady run. */
interface Window {
  endS: number;
  submitted: number;
  submitP50: number;
  submitP99: number;
  finished: number;
  runP50: number;
  runP99: number;
  backlog: number;
  serverRss: number | undefined;
  workerRss: number | undefined;
  tableRows: number;
  tableSize: string;
}

async function steadyMode(o: Options, log: (line: string) => void): Promise<string> {
  const [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
  const dataDir = makeTempDir("tstasks-soak-");
  const db = new pg.Client({ connectionString: postgres.url });
  let t: Tstasks | undefined;
  try {
    await db.connect();
    t = await startSoakTstasks(postgres.url, nats.url, dataDir.path, o.verbose, { RESULT_RETENTION: o.retention, RETENTION_SWEEP_MS: "10000" });
    const tstasks = t;
    const worker = await tstasks.startWorker();
    await tstasks.warmUp(1000);
    const idle = { server: memoryMiB(tstasks.server.pid, "VmRSS"), worker: memoryMiB(worker.child.pid, "VmRSS") };
    log(`idle RSS: server ${fmt(idle.server ?? NaN)} MiB, worker ${fmt(idle.worker ?? NaN)} MiB; ${o.rate}/s for ${o.minutes} min`);

    const total = Math.round(o.rate * o.minutes * 60);
    const windowMs = 30_000;
    const windows: Window[] = [];
    let latencies: number[] = [];
    let failure: unknown;
    let inFlight = 0;
    let maxInFlight = 0;
    const startNs = process.hrtime.bigint();
    const startWall = Date.now();
    let windowStart = new Date(startWall);

    const sample = async (): Promise<void> => {
      const end = new Date();
      const { rows } = await db.query<{ finished: string; p50: number | null; p99: number | null }>(
        `select count(*) as finished,
                percentile_cont(0.5) within group (order by extract(epoch from finished_at - created_at) * 1000) as p50,
                percentile_cont(0.99) within group (order by extract(epoch from finished_at - created_at) * 1000) as p99
           from tasks where finished_at >= $1 and finished_at < $2`,
        [windowStart, end],
      );
      const { rows: backlog } = await db.query<{ n: string }>(
        "select count(*) as n from (select 1 from tasks where status in ('PENDING', 'STARTED', 'RETRY') limit 100000) as u",
      );
      const { rows: table } = await db.query<{ live: string; size: string }>(
        "select n_live_tup as live, pg_size_pretty(pg_total_relation_size(relid)) as size from pg_stat_user_tables where relname = 'tasks'",
      );
      const w: Window = {
        endS: (end.getTime() - startWall) / 1000,
        submitted: latencies.length,
        submitP50: quantile(latencies, 0.5),
        submitP99: quantile(latencies, 0.99),
        finished: Number(rows[0]!.finished),
        runP50: rows[0]!.p50 ?? NaN,
        runP99: rows[0]!.p99 ?? NaN,
        backlog: Number(backlog[0]!.n),
        serverRss: memoryMiB(tstasks.server.pid, "VmRSS"),
        workerRss: memoryMiB(worker.child.pid, "VmRSS"),
        tableRows: Number(table[0]!.live),
        tableSize: table[0]!.size,
      };
      windows.push(w);
      latencies = [];
      windowStart = end;
      log(
        `  ${fmt(w.endS)} s: submitted ${fmt(w.submitted / (windowMs / 1000))}/s (p50 ${fmt(w.submitP50, 1)} / p99 ${fmt(w.submitP99, 1)} ms), ` +
          `finished ${fmt(w.finished / (windowMs / 1000))}/s (insert → finish p50 ${fmt(w.runP50, 0)} / p99 ${fmt(w.runP99, 0)} ms), ` +
          `backlog ${fmt(w.backlog)}, RSS server ${fmt(w.serverRss ?? NaN)} / worker ${fmt(w.workerRss ?? NaN)} MiB, tasks ${fmt(w.tableRows)} rows ${w.tableSize}`,
      );
    };

    let sampling: Promise<void> = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(sample).catch((err: unknown) => {
        failure ??= err;
      });
    }, windowMs);
    const intervalNs = 1e9 / o.rate;
    try {
      for (let i = 0; i < total && failure === undefined; i++) {
        const due = Number(startNs) + i * intervalNs;
        const waitMs = (due - Number(process.hrtime.bigint())) / 1e6;
        if (waitMs > 0.5) await sleep(waitMs);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const sent = process.hrtime.bigint();
        void tstasks
          .submit(i)
          .then(() => void latencies.push(msBetween(sent, process.hrtime.bigint())))
          .catch((err: unknown) => {
            failure ??= err;
          })
          .finally(() => inFlight--);
      }
      // Every submit answered: the counter, not a list of 600,000 promises.
      await waitUntil(async () => inFlight === 0, { timeoutMs: 120_000, intervalMs: 10, label: "the soak's last submits" });
    } finally {
      clearInterval(sampler);
      await sampling;
    }
    if (failure !== undefined) throw failure;
    await waitUntil(
      async () => {
        const { rows } = await db.query<{ n: string }>("select count(*) as n from tasks where status in ('PENDING', 'STARTED', 'RETRY')");
        return Number(rows[0]!.n) === 0 ? true : undefined;
      },
      { timeoutMs: 600_000, label: "the soak's backlog drained" },
    );
    const { rows: bad } = await db.query<{ n: string }>("select count(*) as n from tasks where status in ('FAILURE', 'REVOKED')");
    const peak = { server: memoryMiB(tstasks.server.pid, "VmHWM"), worker: memoryMiB(worker.child.pid, "VmHWM") };
    await tstasks.stopWorker(worker);
    const seconds = windowMs / 1000;
    const table = markdownTable([
      ["at", "submitted/s", "submit p50 / p99 ms", "finished/s", "insert → finish p50 / p99 ms", "backlog", "server RSS MiB", "worker RSS MiB", "tasks rows", "tasks size"],
      ...windows.map((w) => [
        `${fmt(w.endS)} s`,
        fmt(w.submitted / seconds),
        `${fmt(w.submitP50, 1)} / ${fmt(w.submitP99, 1)}`,
        fmt(w.finished / seconds),
        `${fmt(w.runP50)} / ${fmt(w.runP99)}`,
        fmt(w.backlog),
        fmt(w.serverRss ?? NaN),
        fmt(w.workerRss ?? NaN),
        fmt(w.tableRows),
        w.tableSize,
      ]),
    ]);
    console.log(`\n${table}\n`);
    return [
      "## A steady load with retention",
      "",
      `\`npm run bench:soak -- steady --rate ${o.rate} --minutes ${o.minutes} --retention ${o.retention}\`: an open loop of`,
      `\`POST /task\` at ${fmt(o.rate)} tasks/s for ${o.minutes} minutes (${fmt(total)} tasks, at most ${fmt(maxInFlight)} requests in`,
      `flight) with one worker (concurrency 50) running them, \`RESULT_RETENTION=${o.retention}\` swept every 10 s. One line per`,
      "30 s: submits answered and their latency, tasks finished and the time from their insert to their finish",
      "(the rows' own timestamps, whole ms), unfinished tasks, resident memory, and the tasks table (live rows",
      "from Postgres' statistics, size with indexes and TOAST).",
      "",
      `Machine: ${machineLine()}.`,
      "",
      table,
      "",
      `RSS idle before the run: server ${fmt(idle.server ?? NaN)} MiB, worker ${fmt(idle.worker ?? NaN)} MiB; peak (VmHWM) over the`,
      `run: server ${fmt(peak.server ?? NaN)} MiB, worker ${fmt(peak.worker ?? NaN)} MiB. Tasks that ended FAILURE or REVOKED: ${bad[0]!.n}.`,
    ].join("\n");
  } finally {
    await t?.stop();
    await db.end().catch(() => {});
    await Promise.all([nats.stop(), postgres.stop()]);
    await dataDir.remove();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (line: string): void => console.log(`[soak] ${line}`);
  const section = o.mode === "rows" ? await rowsMode(o, log) : await steadyMode(o, log);
  if (o.write) {
    await writeSection(DOC, { begin: `<!-- soak:${o.mode}:begin -->`, end: `<!-- soak:${o.mode}:end -->` }, section, DOC_INTRO);
    log(`written to ${DOC}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
