/**
 * `npm run bench:group [-- --n N] [--reps R] [--no-doc]`: one group of N
 * (default 10,000) `test.main.add` members gathered by `test.groups.sum`, on a
 * private Postgres and nats-server with the built server and one worker
 * process (concurrency 50), as `npm run bench` runs them. Per repetition
 * (default 3, after a 500-member warm-up group) it times, from the moment
 * the client sends `POST /groups`:
 *
 *   answered   the SubmitGroup answer (every member stored in one transaction and queued)
 *   members    the last member final (the group row's finished_at, set by the fan-in trigger)
 *   gathered   the gather task SUCCESS (its finished_at), the sum checked
 *
 * and prints one line each; unless --no-doc, writes the figures into
 * docs/performance.md ("Issue 13: a 10,000-member group").
 */
import { join } from "node:path";
import pg from "pg";
import { startNats } from "../test/harness/nats-server.js";
import { startPostgres } from "../test/harness/postgres-server.js";
import { makeTempDir } from "../test/harness/temp-dir.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { writeSection } from "./lib/doc-section.js";
import { describeMachine } from "./lib/machine.js";
import { startTstasks, type Tstasks } from "./tstasks.js";

const REPO = join(import.meta.dirname, "..");

function parseArgs(argv: string[]): { n: number; reps: number; doc: boolean } {
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive whole number`);
    return v;
  };
  return { n: value("--n", 10_000), reps: value("--reps", 3), doc: !argv.includes("--no-doc") };
}

/** One group's timings in ms from the send of POST /groups. */
interface GroupRun {
  answeredMs: number;
  membersMs: number;
  gatheredMs: number;
}

/** Submits one group of `n` adds {x: i, y: 1} with a sum gather and times it (see the file's comment). */
async function runGroup(t: Tstasks, db: pg.Client, n: number): Promise<GroupRun> {
  const members = Array.from({ length: n }, (_, i) => ({ x: i, y: 1 }));
  const body = JSON.stringify({ type: "test.main.add", members, gather: { type: "test.groups.sum", args: { label: "bench" } } });
  const sentAt = Date.now();
  const res = await fetch(`${t.origin}/groups`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  const answeredAt = Date.now();
  if (res.status !== 200) throw new Error(`POST /groups answered ${res.status}: ${text}`);
  const id = (JSON.parse(text) as { id: string }).id;
  const done = await waitUntil(
    async () => {
      const { rows } = await db.query(
        `select extract(epoch from g.finished_at) * 1000 as members_at, extract(epoch from t.finished_at) * 1000 as gathered_at,
                t.status, t.result
           from task_groups g left join tasks t on t.id = g.gather_task_id where g.id = $1`,
        [id],
      );
      const r = rows[0];
      return r?.status === "SUCCESS" || r?.status === "FAILURE" ? r : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 20, label: `group ${id} gathered` },
  );
  const expected = (n * (n + 1)) / 2;
  if (done.status !== "SUCCESS" || done.result?.sum !== expected) throw new Error(`gather of ${id}: ${done.status} ${JSON.stringify(done.result)}, expected sum ${expected}`);
  return { answeredMs: answeredAt - sentAt, membersMs: Number(done.members_at) - sentAt, gatheredMs: Number(done.gathered_at) - sentAt };
}

async function main(): Promise<void> {
  const { n, reps, doc } = parseArgs(process.argv.slice(2));
  const machine = describeMachine(undefined);
  const dataDir = makeTempDir("tstasks-bench-group-");
  const [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
  let t: Tstasks | undefined;
  const db = new pg.Client({ connectionString: postgres.url });
  try {
    t = await startTstasks({
      databaseUrl: postgres.url,
      natsUrl: nats.url,
      dataDir: dataDir.path,
      concurrency: 50,
      inFlight: 4,
      verbose: false,
      // The repository's test pack (test.main.add, test.groups.sum) instead of the bench pack.
      env: { TASKPACKS_DIR: join(REPO, "taskpacks"), MAX_REQUEST_BYTES: String(8 << 20) },
    });
    await db.connect();
    await t.startWorker();
    await runGroup(t, db, 500);
    const runs: GroupRun[] = [];
    for (let r = 0; r < reps; r++) {
      const run = await runGroup(t, db, n);
      runs.push(run);
      console.log(
        `group of ${n}: answered ${run.answeredMs} ms, members final ${Math.round(run.membersMs)} ms (${Math.round(n / (run.membersMs / 1000))} members/s), gathered ${Math.round(run.gatheredMs)} ms`,
      );
    }
    if (doc) {
      const row = (name: string, pick: (r: GroupRun) => number) => `| ${name} | ${runs.map((r) => Math.round(pick(r)).toLocaleString("en-US")).join(" | ")} |`;
      const section = [
        `## Issue 13: a ${n.toLocaleString("en-US")}-member group`,
        "",
        `\`npm run bench:group\`: one group of ${n.toLocaleString("en-US")} \`test.main.add\` members with a \`test.groups.sum\` gather, on a`,
        "private Postgres and nats-server, the built server and one worker process (concurrency 50), after a 500-member",
        "warm-up group. Milliseconds from the client sending `POST /groups`: its answer (every member stored in one",
        "transaction, then queued), the last member final (the group row's `finished_at`, set by the fan-in trigger), and",
        "the gather task SUCCESS with the right sum (its `finished_at`).",
        "",
        `Measured ${machine.date} on ${machine.cpu} (${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB), Node ${machine.node},`,
        `${machine.postgres}, ${machine.natsServer}; load average at start ${machine.loadAtStart} (a 2-core machine is busy`,
        "from about 2: then take the figures as an order of magnitude).",
        "",
        `| ms from POST /groups | ${runs.map((_, i) => `run ${i + 1}`).join(" | ")} |`,
        `|---|${runs.map(() => "---").join("|")}|`,
        row("SubmitGroup answered", (r) => r.answeredMs),
        row("all members final", (r) => r.membersMs),
        row("gather SUCCESS", (r) => r.gatheredMs),
        `| members/s (submit → all final) | ${runs.map((r) => Math.round(n / (r.membersMs / 1000)).toLocaleString("en-US")).join(" | ")} |`,
      ].join("\n");
      await writeSection(join(REPO, "docs/performance.md"), { begin: "<!-- bench:group begin -->", end: "<!-- bench:group end -->" }, section, "# Performance\n");
      console.log("written to docs/performance.md");
    }
  } finally {
    await db.end().catch(() => {});
    await t?.stop();
    await Promise.all([nats.stop(), postgres.stop()]);
    await dataDir.remove();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
