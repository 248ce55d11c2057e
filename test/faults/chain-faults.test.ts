import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson } from "../support/http-json.js";
import { startFaultEnv, type FaultEnv } from "./fault-env.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.js";

// Chains under real faults (real backend only): worker processes SIGKILLed
// while they run a chain's second step, and the API server SIGKILLed between
// steps. Afterwards every chain must be SUCCESS, each of its steps a single
// task (never created twice) that ran to success exactly once, nothing lost.

const CHAINS = Number(process.env["FAULT_CHAINS"] ?? 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three steps of `fault.main.work` (each records its execution and returns
 * its attempt number); the second step's first attempt takes 1.5 s, a
 * window for the kill. A step's input field is `ms`: the previous attempt
 * number, a few milliseconds of waiting.
 */
const STEPS = [
  { type: "fault.main.work", args: { ms: 30 } },
  { type: "fault.main.work", args: { attemptMs: [1500, 30, 30, 30, 30, 30] }, input_field: "ms" },
  { type: "fault.main.work", args: {}, input_field: "ms" },
];

interface ChainScenario {
  env: FaultEnv;
  db: pg.Pool;
  workers: WorkerProcess[];
  spawnWorker: () => Promise<WorkerProcess>;
  ids: string[];
}

async function runChainScenario(name: string, fault: (s: ChainScenario) => Promise<void>, check?: (s: ChainScenario) => Promise<void>): Promise<void> {
  const env = await startFaultEnv({ server: "process" });
  const db = new pg.Pool({ connectionString: env.postgres.url, max: 2 });
  db.on("error", () => {});
  const workers: WorkerProcess[] = [];
  let n = 0;
  const spawnWorker = async () => {
    const w = await startWorkerProcess({ databaseUrl: env.postgres.url, natsUrl: env.natsUrl, name: `${name.replace(/\W+/g, "-")}-w${++n}` });
    workers.push(w);
    return w;
  };
  const ids: string[] = [];
  try {
    await db.query("create table executions (task_id uuid, attempt int, worker text)");
    await spawnWorker();
    await spawnWorker();
    await waitUntil(async () => (await httpJson(`${env.baseUrl}/tasks`)).body?.["fault.main.work"], { label: "the fault pack registered" });
    for (let i = 0; i < CHAINS; i++) {
      const res = await httpJson(`${env.baseUrl}/chains`, { body: { steps: STEPS } });
      assert.equal(res.status, 200, res.text);
      ids.push(res.body.id);
    }
    await fault({ env, db, workers, spawnWorker, ids });

    const done = await waitUntil(
      async () => {
        const { rows } = await db.query("select count(*)::int as n from chains where status = 'RUNNING'");
        return rows[0].n === 0;
      },
      { timeoutMs: 120_000, intervalMs: 250, label: `${name}: every chain final` },
    ).catch((e: unknown) => e);
    if (done !== true) {
      const { rows } = await db.query(
        `select c.id, c.current_step, t.status, t.attempts, o.held from chains c
           left join tasks t on t.chain_id = c.id and t.chain_step = c.current_step
           left join task_outbox o on o.task_id = t.id where c.status = 'RUNNING' limit 5`,
      );
      assert.fail(`${name}: chains not final after 120 s: ${JSON.stringify(rows)}\n${workers.map((w) => `--- ${w.name}\n${w.output()}`).join("\n")}`);
    }

    const { rows: chains } = await db.query("select status, count(*)::int as n from chains where id = any($1::uuid[]) group by status", [ids]);
    assert.deepEqual(chains, [{ status: "SUCCESS", n: CHAINS }], `${name}: every accepted chain ends SUCCESS`);
    const { rows: steps } = await db.query(
      "select chain_id, count(*)::int as n, count(*) filter (where status = 'SUCCESS')::int as ok from tasks where chain_id is not null group by chain_id",
    );
    assert.equal(steps.length, CHAINS, `${name}: every chain has tasks`);
    for (const s of steps) assert.deepEqual([s.n, s.ok], [3, 3], `${name}: chain ${s.chain_id} has ${s.n} step tasks, ${s.ok} SUCCESS`);
    // Exactly one recorded execution of each step's successful attempt, none of any attempt twice.
    const { rows: ranOnce } = await db.query(
      `select count(*)::int as n from tasks t where t.chain_id is not null
         and (select count(*) from executions e where e.task_id = t.id and e.attempt = t.attempts) <> 1`,
    );
    assert.equal(ranOnce[0].n, 0, `${name}: a step whose successful attempt did not run exactly once`);
    const { rows: dup } = await db.query("select count(*)::int as n from (select task_id, attempt from executions group by task_id, attempt having count(*) > 1) d");
    assert.equal(dup[0].n, 0, `${name}: an attempt ran twice`);
    const { rows: stale } = await db.query("select count(*)::int as n from tasks where chain_id is not null and (result)::int <> attempts");
    assert.equal(stale[0].n, 0, `${name}: a step's result is not its last attempt's`);
    // The chain's result is its last step's, and each step got the previous result in its input field.
    const { rows: wrong } = await db.query(
      `select count(*)::int as n from chains c join tasks t on t.chain_id = c.id and t.chain_step = 2 where c.result <> t.result`,
    );
    assert.equal(wrong[0].n, 0, `${name}: a chain's result differs from its last step's`);
    const { rows: inputs } = await db.query(
      `select count(*)::int as n from tasks a join tasks b on b.chain_id = a.chain_id and b.chain_step = a.chain_step + 1
         where (b.args ->> 'ms')::int <> (a.result)::int`,
    );
    assert.equal(inputs[0].n, 0, `${name}: a step's input field is not the previous step's result`);
    const { rows: totals } = await db.query("select count(*)::int as executions, count(distinct task_id)::int as tasks from executions");
    await check?.({ env, db, workers, spawnWorker, ids });
    console.log(`${name}: ${CHAINS} chains SUCCESS, ${totals[0].tasks} step tasks, ${totals[0].executions} recorded executions`);
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
    await db.end().catch(() => {});
    await env.stop();
  }
}

/** The worker running some chain's second step, once one runs it. */
async function workerOnStep2(db: pg.Pool, workers: WorkerProcess[]): Promise<WorkerProcess> {
  return waitUntil(
    async () => {
      const { rows } = await db.query("select worker from tasks where chain_step = 1 and status = 'STARTED' and attempts = 1");
      return workers.find((w) => w.alive && rows.some((r) => r.worker === w.name));
    },
    { timeoutMs: 30_000, intervalMs: 20, label: "a worker running step 2 of a chain" },
  );
}

describe("chain faults [real]", { concurrency: false }, () => {
  it("SIGKILL the worker while it runs step 2 of chains, twice: every chain ends SUCCESS, each step ran to success once", () => {
    const killedOnStep2: string[] = [];
    return runChainScenario("kill worker on step 2", async ({ db, workers, spawnWorker }) => {
      for (let k = 0; k < 2; k++) {
        const victim = await workerOnStep2(db, workers);
        const { rows } = await db.query("select id from tasks where chain_step = 1 and status = 'STARTED' and worker = $1", [victim.name]);
        assert.ok(rows.length > 0);
        await victim.kill();
        killedOnStep2.push(...rows.map((r) => r.id as string));
        await spawnWorker();
      }
    }, async ({ db }) => {
      // The kills did land on second steps: each of those ran again (a lost attempt), once.
      const { rows } = await db.query("select count(*)::int as n from tasks where id = any($1::uuid[]) and lost_attempts >= 1 and attempts >= 2", [killedOnStep2]);
      assert.ok(rows[0].n > 0, "a second step lost its attempt to a kill and ran again");
    });
  });

  it("SIGKILL the API server between steps: steps created meanwhile wait in the outbox and run once it is back", () =>
    runChainScenario("kill server between steps", async ({ env, db }) => {
      // Some chains are past their first step (the next ones were created by the workers' own transactions).
      await waitUntil(async () => (await db.query("select count(*)::int as n from tasks where chain_step = 1")).rows[0].n > 0, {
        label: "a second step created",
      });
      await env.server!.kill();
      // While no server runs, workers go on finishing steps: their next steps are stored, held for the dispatcher.
      const waiting = await waitUntil(
        async () => {
          const { rows } = await db.query(
            "select count(*)::int as n from tasks t join task_outbox o on o.task_id = t.id where t.chain_step > 0 and t.status = 'PENDING' and o.held",
          );
          return rows[0].n > 0 && rows[0].n;
        },
        { timeoutMs: 30_000, intervalMs: 50, label: "a step created while the server is down" },
      );
      assert.ok(waiting > 0);
      await sleep(1000);
      await env.server!.restart();
    }));
});
