import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pg from "pg";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson } from "../support/http-json.js";
import { startFaultEnv, type FaultEnv, type FaultEnvOptions } from "./fault-env.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.js";

// Groups under real faults (real backend only), as issue 13 asks: (a) the
// worker that finishes a group's last member is SIGKILLed around the commit of
// that outcome; (b) the API server is SIGKILLed while SubmitGroup of 20,000
// members publishes them. Afterwards: every member final, none lost, no
// (member, attempt) executed twice, the gather task made and run exactly once
// with the right input, and a retried submit (same key) answers the same group.

const rows: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fault env with the executions tables and workers on the fault pack. */
interface GroupFaultEnv {
  env: FaultEnv;
  db: pg.Pool;
  workers: WorkerProcess[];
  spawnWorker: () => Promise<WorkerProcess>;
  stop: () => Promise<void>;
}

async function open(name: string, options: FaultEnvOptions = {}): Promise<GroupFaultEnv> {
  const env = await startFaultEnv(options);
  const db = new pg.Pool({ connectionString: env.postgres.url, max: 2 });
  db.on("error", () => {});
  await db.query("create table executions (task_id uuid, attempt int, worker text)");
  await db.query("create table gather_runs (task_id uuid, attempt int, results int, sum bigint, errors int)");
  const workers: WorkerProcess[] = [];
  let n = 0;
  const spawnWorker = async () => {
    const w = await startWorkerProcess({ databaseUrl: env.postgres.url, natsUrl: env.natsUrl, name: `${name}-w${++n}` });
    workers.push(w);
    return w;
  };
  await spawnWorker();
  await spawnWorker();
  await waitUntil(async () => (await httpJson(`${env.baseUrl}/tasks`)).body?.["fault.groups.member"], { label: "the fault pack registered" });
  return {
    env,
    db,
    workers,
    spawnWorker,
    async stop() {
      await Promise.all(workers.map((w) => w.kill()));
      await db.end().catch(() => {});
      await env.stop();
    },
  };
}

/** What the table says about one group once it is done; asserts nothing. */
async function groupFigures(db: pg.Pool, groupId: string) {
  const one = async (q: string) => (await db.query(q, [groupId])).rows[0];
  const members = await one(`select count(*)::int as total,
      count(*) filter (where status = 'SUCCESS')::int as succeeded,
      count(*) filter (where status not in ('SUCCESS', 'FAILURE', 'REVOKED'))::int as open,
      coalesce(sum((result)::bigint) filter (where status = 'SUCCESS'), 0)::bigint as sum
    from tasks where group_id = $1`);
  const runs = await one(`select count(*)::int as executions,
      count(distinct task_id)::int as executed,
      (select count(*)::int from (select task_id, attempt from executions e join tasks t on t.id = e.task_id
        where t.group_id = $1 group by task_id, attempt having count(*) > 1) d) as same_attempt_twice,
      (select count(*)::int from (select task_id from executions e join tasks t on t.id = e.task_id
        where t.group_id = $1 group by task_id having count(*) > 1) d) as ran_again
    from executions e join tasks t on t.id = e.task_id where t.group_id = $1`);
  const gather = await one(`select count(*)::int as tasks,
      count(*) filter (where status = 'SUCCESS')::int as succeeded,
      coalesce(sum(lost_attempts), 0)::int as lost_attempts,
      (select count(*)::int from (select r.task_id, r.attempt from gather_runs r join tasks t on t.id = r.task_id
        where t.gather_of = $1 group by r.task_id, r.attempt having count(*) > 1) d) as same_attempt_twice,
      (select count(*)::int from gather_runs r join tasks t on t.id = r.task_id where t.gather_of = $1) as runs,
      (select json_agg(json_build_object('results', r.results, 'sum', r.sum, 'errors', r.errors)) from gather_runs r
        join tasks t on t.id = r.task_id where t.gather_of = $1) as inputs
    from tasks where gather_of = $1`);
  const group = await one("select status, remaining, total, gather_task_id from task_groups where id = $1");
  return { members, runs, gather, group };
}

describe("group faults [real]", { concurrency: false }, () => {
  after(() => {
    console.log(
      [
        "| scenario | members | succeeded | lost | (member, attempt) run twice | members run again | gather tasks | gather runs (lost attempts) | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
  });

  it("(a) SIGKILL the worker that finishes a group's last member, around its commit: the gather runs once with every result", async () => {
    const started = Date.now();
    const f = await open("last-member");
    try {
      // From "killed before the outcome is written" (before returning) to "after it committed" (200 ms after).
      for (const kill of ["before", 0, 5, 20, 200] as const) {
        const n = 40;
        const last = kill === "before" ? { ms: 800, killBeforeReturn: true } : { ms: 800, killAfterReturnMs: kill };
        const members = Array.from({ length: n }, (_, i) => (i === n - 1 ? { x: i + 1, ...last } : { x: i + 1, ms: 5 }));
        const res = await httpJson(`${f.env.baseUrl}/groups`, {
          body: { type: "fault.groups.member", members, gather: { type: "fault.groups.gather" }, idempotency_key: `a-${kill}` },
        });
        assert.equal(res.status, 200, res.text);
        const id = res.body.id as string;
        // The killed worker is replaced, so the redelivered member (if its outcome was lost) runs elsewhere.
        await waitUntil(async () => f.workers.some((w) => !w.alive), { timeoutMs: 20_000, label: "the last member's worker to die" });
        for (const w of [...f.workers]) if (!w.alive) f.workers.splice(f.workers.indexOf(w), 1);
        await f.spawnWorker();
        await waitUntil(async () => {
          const { gather } = await groupFigures(f.db, id);
          return gather.succeeded === 1;
        }, { timeoutMs: 60_000, intervalMs: 200, label: `group ${id}'s gather to succeed` });
        await sleep(500); // a second gather, if one were made, would show up by now
        const x = await groupFigures(f.db, id);
        const lost = x.members.total - x.members.succeeded;
        rows.push(
          `| (a) kill ${kill === "before" ? "before the last member returned" : `${kill} ms after the last member returned`} | ${x.members.total} | ${x.members.succeeded} | ${lost} | ${x.runs.same_attempt_twice} | ${x.runs.ran_again} | ${x.gather.tasks} | ${x.gather.runs} (${x.gather.lost_attempts}) | ${((Date.now() - started) / 1000).toFixed(1)} |`,
        );
        assert.equal(x.members.total, n);
        assert.equal(lost, 0, "every member succeeded");
        assert.equal(x.runs.same_attempt_twice, 0, "no (member, attempt) ran twice");
        assert.deepEqual([x.group.status, x.group.remaining], ["SUCCESS", 0]);
        assert.equal(x.gather.tasks, 1, "one gather task");
        assert.equal(x.gather.succeeded, 1);
        assert.equal(x.gather.same_attempt_twice, 0, "no gather attempt ran twice");
        // The gather runs once, unless the kill also caught the gather's own attempt (queued at once by the
        // worker's kick, it may be claimed by the very worker that is about to die): a lost attempt may have
        // run before its worker died, and the next one runs again, as any task's lost attempt does.
        assert.ok(x.gather.runs >= 1 && x.gather.runs <= 1 + x.gather.lost_attempts, `the gather ran once, plus at most once per lost attempt of its own: ${JSON.stringify(x.gather)}`);
        for (const input of x.gather.inputs) assert.deepEqual(input, { results: n, sum: (n * (n + 1)) / 2, errors: 0 });
      }
    } finally {
      await f.stop();
    }
  });

  it("(b) SIGKILL the server while SubmitGroup of 20,000 members publishes them: after a restart all members run once, the gather once; a retried submit answers the same group", async () => {
    const started = Date.now();
    const f = await open("fan-out", { server: "process" });
    try {
      const n = 20_000;
      const body = {
        type: "fault.groups.member",
        members: Array.from({ length: n }, (_, i) => ({ x: i + 1, ms: 0 })),
        gather: { type: "fault.groups.gather" },
        idempotency_key: "fan-out-1",
      };
      const submitting = httpJson(`${f.env.baseUrl}/groups`, { body }).then(
        (r) => ({ status: r.status }),
        (e: unknown) => ({ error: String(e) }),
      );
      // Kill once the group is committed and its members are being published (outbox rows leave as batches are queued).
      let killedAt = "";
      const deadline = Date.now() + 60_000;
      while (!killedAt && Date.now() < deadline) {
        const { rows: g } = await f.db.query("select (select count(*)::int from task_groups) as groups, (select count(*)::int from task_outbox) as outbox");
        if (g[0].groups > 0 && g[0].outbox < n) killedAt = `${n - g[0].outbox} of ${n} members marked queued`;
        else await sleep(5);
      }
      await f.env.server!.kill();
      const answer = await submitting;
      assert.ok(killedAt, "the kill landed after the commit");
      await f.env.server!.restart();

      // The client retries with the same key: the same group, nothing stored twice.
      const retry = await httpJson(`${f.env.baseUrl}/groups`, { body });
      assert.equal(retry.status, 200, retry.text);
      const { rows: groups } = await f.db.query("select id from task_groups");
      assert.deepEqual(groups.map((g) => g.id), [retry.body.id], "one group, the one the retry answers");
      const id = retry.body.id as string;

      await waitUntil(async () => (await groupFigures(f.db, id)).gather.succeeded === 1, {
        timeoutMs: 180_000,
        intervalMs: 500,
        label: "every member and the gather to succeed",
      });
      await sleep(1000);
      const x = await groupFigures(f.db, id);
      const lost = x.members.total - x.members.succeeded;
      rows.push(
        `| (b) kill the server mid-fan-out (${killedAt}; first answer ${JSON.stringify(answer)}) | ${x.members.total} | ${x.members.succeeded} | ${lost} | ${x.runs.same_attempt_twice} | ${x.runs.ran_again} | ${x.gather.tasks} | ${x.gather.runs} (${x.gather.lost_attempts}) | ${((Date.now() - started) / 1000).toFixed(1)} |`,
      );
      assert.equal(x.members.total, n, "every member stored");
      assert.equal(x.members.open, 0);
      assert.equal(lost, 0, "every member succeeded");
      assert.equal(x.runs.same_attempt_twice, 0, "no (member, attempt) ran twice");
      assert.equal(x.gather.tasks, 1, "one gather task");
      assert.equal(x.gather.runs, 1, "the gather ran once");
      assert.deepEqual(x.gather.inputs, [{ results: n, sum: (n * (n + 1)) / 2, errors: 0 }]);
      assert.equal((await httpJson(`${f.env.baseUrl}/groups/${id}`)).body.group.status, "SUCCESS");
    } finally {
      await f.stop();
    }
  });
});
