import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// Real processes, real faults (real backend only): worker processes are
// SIGKILLed, nats-server and Postgres are killed and restarted mid-batch.
// Afterwards the table must show every task final, none lost, and no attempt
// of any task executed twice.

const REPO = join(import.meta.dirname, "../..");
const PACKS = join(REPO, "test/fixtures/fault-packs");
const BATCH = Number(process.env["FAULT_BATCH"] ?? 300);
const rows: string[] = [];

interface WorkerProcess {
  child: ChildProcess;
  name: string;
  /** The last few KB the process printed. */
  output(): string;
}

function startWorkerProcess(stack: Stack, name: string): WorkerProcess {
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO, "worker/main.ts")], {
    env: {
      PATH: process.env["PATH"],
      DATABASE_URL: stack.postgres!.url,
      NATS_URL: stack.nats!.url,
      FAULT_DATABASE_URL: stack.postgres!.url,
      WORKER_NAME: name,
      WORKER_CONCURRENCY: "16",
      TASKPACKS_DIR: PACKS,
      ACK_WAIT_MS: "2000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, name, output: () => output };
}

interface ScenarioOptions {
  /** Poison tasks (fault.main.crash) submitted with the batch; each must end FAILURE WorkerLost. */
  poison?: number;
  /** Start a new worker whenever one dies. */
  respawn?: boolean;
  /** How long each batch task works, in ms. Default 30. */
  taskMs?: number;
}

async function runScenario(
  name: string,
  fault: (ctx: { stack: Stack; workers: WorkerProcess[]; spawnWorker: () => WorkerProcess; ids: string[]; revoked: Set<string> }) => Promise<void>,
  options: ScenarioOptions = {},
): Promise<void> {
  const started = Date.now();
  // Durable Postgres, as in production: a SIGKILL must not take back what was committed.
  const stack = await startStack({ backend: "real", workers: 0, durablePostgres: true });
  const db = new pg.Pool({ connectionString: stack.postgres!.url, max: 2 });
  db.on("error", () => {});
  const workers: WorkerProcess[] = [];
  let n = 0;
  const spawnWorker = () => {
    const w = startWorkerProcess(stack, `${name.replace(/\W+/g, "-")}-w${++n}`);
    workers.push(w);
    return w;
  };
  try {
    await db.query("create table executions (task_id uuid, attempt int, worker text)");
    spawnWorker();
    spawnWorker();
    await waitUntil(async () => (await httpJson(`${stack.baseUrl}/tasks`)).body?.["fault.main.work"], {
      label: "the fault pack registered",
      abortReason: () => {
        const dead = workers.find((w) => w.child.exitCode !== null);
        return dead ? new Error(`worker ${dead.name} exited ${dead.child.exitCode}:\n${dead.output()}`) : undefined;
      },
    });

    const respawner = options.respawn
      ? setInterval(() => {
          for (const w of [...workers]) {
            if (w.child.exitCode !== null || w.child.signalCode !== null) {
              workers.splice(workers.indexOf(w), 1);
              spawnWorker();
            }
          }
        }, 200)
      : undefined;
    const poisonIds: string[] = [];
    for (let i = 0; i < (options.poison ?? 0); i++) {
      poisonIds.push((await httpJson(`${stack.baseUrl}/task`, { body: { type: "fault.main.crash", args: {} } })).body.id);
    }
    const ids: string[] = [];
    const submitting = (async () => {
      for (let i = 0; i < BATCH; i++) {
        const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "fault.main.work", args: { ms: options.taskMs ?? 30 } } }).catch(() => undefined);
        if (res?.status === 200) ids.push(res.body.id);
        else i--; // a refused submit (503 while Postgres is down) is not accepted: try again
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const revoked = new Set<string>();
    await fault({ stack, workers, spawnWorker, ids, revoked });
    await submitting;
    ids.push(...poisonIds);

    const final = await waitUntil(
      async () => {
        const { rows: open } = await db.query(
          "select count(*)::int as n from tasks where status not in ('SUCCESS','FAILURE','REVOKED')",
        );
        return open[0].n === 0 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, label: `${name}: every task final` },
    ).catch((e: unknown) => e);
    clearInterval(respawner);

    const { rows: status } = await db.query("select status, count(*)::int as n from tasks group by status");
    const count = (s: string) => status.find((r) => r.status === s)?.n ?? 0;
    const { rows: stored } = await db.query("select count(*)::int as n from tasks where id = any($1::uuid[])", [ids]);
    const lost = ids.length - stored[0].n + (final === true ? 0 : ids.length - count("SUCCESS") - count("FAILURE"));
    const { rows: dup } = await db.query(
      "select count(*)::int as n from (select task_id, attempt from executions group by task_id, attempt having count(*) > 1) d",
    );
    const { rows: successWithoutRun } = await db.query(
      `select count(*)::int as n from tasks t where t.status = 'SUCCESS'
         and not exists (select 1 from executions e where e.task_id = t.id and e.attempt = (t.result)::int)`,
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    rows.push(`| ${name} | ${ids.length} | ${count("SUCCESS")} | ${count("FAILURE") + count("REVOKED")} | ${lost} | ${dup[0].n} | ${seconds} |`);
    assert.equal(final, true, `${name}: not every task reached a final state`);
    assert.equal(lost, 0, `${name}: lost tasks`);
    assert.equal(dup[0].n, 0, `${name}: an attempt ran twice`);
    assert.equal(successWithoutRun[0].n, 0, `${name}: a SUCCESS whose execution is not recorded`);
    // Tasks that ran beside a poison task died with its worker too; one caught in enough of those
    // crashes ends FAILURE WorkerLost like the poison itself (documented). Anything else must succeed.
    const { rows: bystanders } = await db.query(
      `select count(*)::int as n from tasks where not (id = any($1::uuid[])) and status = 'FAILURE' and error->>'type' = 'WorkerLost'`,
      [poisonIds],
    );
    const collateral = poisonIds.length > 0 ? bystanders[0].n : 0;
    assert.ok(collateral <= ids.length * 0.02, `${name}: ${collateral} tasks beside the poison failed`);
    assert.equal(count("SUCCESS"), ids.length - poisonIds.length - revoked.size - collateral, `${name}: every other task succeeds`);
    // A cancel that was answered REVOKED holds: none of those tasks completed as anything else.
    const { rows: cancelled } = await db.query("select status, count(*)::int as n from tasks where id = any($1::uuid[]) group by status", [
      [...revoked],
    ]);
    assert.deepEqual(cancelled.map((r) => r.status).filter((s) => s !== "REVOKED"), [], `${name}: a revoked task ended otherwise`);
    const { rows: poisoned } = await db.query(
      "select count(*)::int as n from tasks where id = any($1::uuid[]) and status = 'FAILURE' and error->>'type' = 'WorkerLost'",
      [poisonIds],
    );
    assert.equal(poisoned[0].n, poisonIds.length, `${name}: every poison task ends FAILURE WorkerLost`);
  } finally {
    for (const w of workers) w.child.kill("SIGKILL");
    await db.end().catch(() => {});
    await stack.stop();
  }
}

describe("fault suite [real]", { concurrency: false }, () => {
  after(async () => {
    const table = ["| scenario | submitted | succeeded | failed or revoked, as expected | lost | duplicated | seconds |", "|---|---|---|---|---|---|---|", ...rows];
    console.log(table.join("\n"));
    if (process.env["FAULT_REPORT"]) {
      await mkdir(join(REPO, "docs"), { recursive: true });
      await appendFile(join(REPO, "docs/reliability.md"), `\n### Fault suite run ${new Date().toISOString()}\n\n${table.join("\n")}\n`);
    }
  });

  it("SIGKILL a worker mid-batch, three times", () =>
    runScenario("kill workers", async ({ workers, spawnWorker }) => {
      for (let k = 0; k < 3; k++) {
        await new Promise((r) => setTimeout(r, 700));
        const victim = workers.find((w) => w.child.exitCode === null && !w.child.killed);
        victim?.child.kill("SIGKILL");
        spawnWorker();
      }
    }));

  it("poison tasks that kill their worker on every attempt end FAILURE WorkerLost; the rest succeed", () =>
    runScenario("poison tasks", async () => {}, { poison: 3, respawn: true }));

  it("a cancel storm: random queued and running tasks cancelled during the batch stay REVOKED; the rest succeed", () =>
    runScenario("cancel storm", async ({ stack, ids, revoked }) => {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        const id = ids[Math.floor(Math.random() * ids.length)];
        if (!id) continue;
        const res = await httpJson(`${stack.baseUrl}/task/${id}/cancel`, { method: "POST", body: {} });
        if (res.status === 200) revoked.add(id);
        else assert.equal(res.status, 409, res.text); // already finished
      }
      assert.ok(revoked.size > 0, "the storm cancelled something");
    }, { taskMs: 300 }));

  it("restart nats-server mid-batch (file store kept)", () =>
    runScenario("restart nats", async ({ stack }) => {
      await new Promise((r) => setTimeout(r, 800));
      await stack.nats!.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await stack.nats!.restart();
    }));

  it("restart Postgres mid-batch", () =>
    runScenario("restart postgres", async ({ stack }) => {
      await new Promise((r) => setTimeout(r, 800));
      await stack.postgres!.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await stack.postgres!.restart();
    }));
});
