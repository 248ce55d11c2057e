import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { startPostgres } from "../../test/harness/postgres-server.js";
import type { PostgresServer } from "../../test/harness/postgres-server.js";
import { makeTempDir } from "../../test/harness/temp-dir.js";
import type { TempDir } from "../../test/harness/temp-dir.js";
import { openPgliteDatabase } from "../../core/store/pglite/pglite-database.js";
import type { UserRecord } from "../../core/store/users/user-record.js";
import { verifyPassword } from "../auth/password-hash.js";
import { openUserDatabase } from "./open-user-database.js";
import { runUsersCli } from "./run-users-cli.js";
import { freshPgliteDataDir } from "../../test/support/pglite-template.js";
import type { ListedUser } from "./format-users.js";

// `npm run users` end to end, on a private Postgres and on an embedded store
// in a temp folder. Most runs go through the command's own entry function
// (runUsersCli, what main.ts calls) in this process, with its standard
// streams and environment handed in: a child process per run cost about two
// seconds of start-up each. The last tests spawn the real `npm run users`,
// to cover the package.json script, main.ts and the exit status it sets.

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The database settings a run uses: exactly one of the two. */
type Target = { DATABASE_URL: string } | { TSTASKS_DATA_DIR: string };

function envFor(target: Target): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.TSTASKS_DATA_DIR;
  return { ...env, ...target };
}

/** Runs a command and waits for its exit; `input` is written to stdin, which is then closed (empty when omitted). */
function run(command: string, args: string[], target: Target, input = ""): Promise<CliResult> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: envFor(target), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  // The child may stop reading after the first line: a broken pipe then is expected.
  child.stdin.on("error", () => {});
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `npm run --silent users -- ARGS` as a child process (the real bin, its exit status). */
function npmRunUsers(target: Target, args: string[], input?: string): Promise<CliResult> {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  return run(npm, ["run", "--silent", "users", "--", ...args], target, input);
}

/** A stream that keeps what is written to it, as text. */
class TextSink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs `npm run users -- ARGS` in this process, as main.ts does: `input` is
 * all of standard input (a pipe that then ends; empty when omitted), the
 * environment is this process's with only `target`'s database setting.
 */
async function users(target: Target, args: string[], input = ""): Promise<CliResult> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const stdin = Readable.from(input === "" ? [] : [Buffer.from(input)]);
  const code = await runUsersCli(args, { stdin, stdout, stderr, env: envFor(target) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Reads a user straight from the database, opened and closed around the read (the embedded store allows one opener). */
async function storedUser(target: Target, name: string): Promise<UserRecord | undefined> {
  const database = await openUserDatabase(
    "DATABASE_URL" in target ? { databaseUrl: target.DATABASE_URL, dataDir: "" } : { databaseUrl: undefined, dataDir: target.TSTASKS_DATA_DIR },
  );
  try {
    return await database.users.getUser(name);
  } finally {
    await database.close();
  }
}

function expectExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

/** The same life cycle of a user on one backend. */
function describeLifecycle(name: string, target: () => Target): void {
  describe(name, () => {
    test("add (password on stdin) → list → passwd → allow/deny → remove → list empty", async () => {
      const t = target();
      const added = await users(
        t,
        ["add", "alice", "--allow", "test.main.myProtectedTask", "--allow=other.type", "--role", "admin"],
        "first-Pw 1\nthis second line is not read\n",
      );
      expectExit(added, 0);
      assert.match(added.stdout, /added user "alice"/);
      assert.doesNotMatch(added.stdout + added.stderr, /first-Pw/);

      const stored = await storedUser(t, "alice");
      assert.ok(stored);
      assert.deepEqual(stored.allowedTasks, { "test.main.myProtectedTask": true, "other.type": true });
      assert.deepEqual(stored.roles, ["admin"]);
      // The first line exactly: inner space kept, line ending dropped.
      assert.equal(await verifyPassword("first-Pw 1", stored.passwordHash), true);

      const listed = await users(t, ["list"]);
      expectExit(listed, 0);
      const lines = listed.stdout.trim().split("\n");
      assert.match(lines[0]!, /^NAME\s+ROLES\s+ALLOWED TASKS\s+CREATED$/);
      assert.equal(lines.length, 2);
      assert.match(lines[1]!, /^alice\s+admin\s+other\.type,test\.main\.myProtectedTask\s+\d{4}-\d\d-\d\dT/);
      assert.ok(!listed.stdout.includes(stored.passwordHash) && !listed.stdout.includes("scrypt"), "no hash in list output");

      const json = await users(t, ["list", "--json"]);
      expectExit(json, 0);
      const parsed = JSON.parse(json.stdout) as ListedUser[];
      assert.deepEqual(parsed, [
        {
          name: "alice",
          roles: ["admin"],
          allowedTasks: ["other.type", "test.main.myProtectedTask"],
          createdAt: stored.createdAt.toISOString(),
          updatedAt: stored.updatedAt.toISOString(),
        },
      ]);
      assert.ok(!json.stdout.includes("scrypt"));

      // A CRLF line ending (a Windows-made file) is not part of the password.
      const changed = await users(t, ["passwd", "alice"], "second-pw\r\n");
      expectExit(changed, 0);
      assert.match(changed.stdout, /changed the password of "alice"/);
      const afterPasswd = await storedUser(t, "alice");
      assert.ok(afterPasswd);
      assert.notEqual(afterPasswd.passwordHash, stored.passwordHash);
      assert.equal(await verifyPassword("second-pw", afterPasswd.passwordHash), true);
      assert.equal(await verifyPassword("first-Pw 1", afterPasswd.passwordHash), false);
      assert.deepEqual(afterPasswd.roles, ["admin"]);

      expectExit(await users(t, ["allow", "alice", "demo.x", "demo.y"]), 0);
      const denied = await users(t, ["deny", "alice", "demo.x", "other.type"]);
      expectExit(denied, 0);
      assert.match(denied.stdout, /may now submit: demo\.y,test\.main\.myProtectedTask/);
      assert.deepEqual((await storedUser(t, "alice"))?.allowedTasks, { "test.main.myProtectedTask": true, "demo.y": true });

      const removed = await users(t, ["remove", "alice"]);
      expectExit(removed, 0);
      assert.match(removed.stdout, /removed user "alice"/);
      assert.equal(await storedUser(t, "alice"), undefined);
      const again = await users(t, ["remove", "alice"]);
      expectExit(again, 1);
      assert.equal(again.stderr.trim(), 'users: no user "alice"');

      const empty = await users(t, ["list"]);
      expectExit(empty, 0);
      assert.equal(empty.stdout.trim(), "no users");
      assert.deepEqual(JSON.parse((await users(t, ["list", "--json"])).stdout), []);
    });

    test("failures: duplicate add, no or empty password, unknown user for passwd (exit 1)", async () => {
      const t = target();
      expectExit(await users(t, ["add", "bob", "--role", "ops"], "bob-pw\n"), 0);
      const hash = (await storedUser(t, "bob"))?.passwordHash;

      const duplicate = await users(t, ["add", "bob"], "other-pw\n");
      expectExit(duplicate, 1);
      assert.equal(duplicate.stderr.trim(), 'users: user "bob" exists already');
      assert.equal((await storedUser(t, "bob"))?.passwordHash, hash);

      const noInput = await users(t, ["add", "carl"]);
      expectExit(noInput, 1);
      assert.match(noInput.stderr, /^users: no password on standard input/);
      const emptyLine = await users(t, ["add", "carl"], "\nsecret-on-line-2\n");
      expectExit(emptyLine, 1);
      assert.match(emptyLine.stderr, /^users: the password is empty/);
      assert.equal(await storedUser(t, "carl"), undefined);

      const unknown = await users(t, ["passwd", "nobody"], "pw\n");
      expectExit(unknown, 1);
      assert.equal(unknown.stderr.trim(), 'users: no user "nobody"');
      const noPw = await users(t, ["passwd", "bob"]);
      expectExit(noPw, 1);
      assert.equal((await storedUser(t, "bob"))?.passwordHash, hash);
    });

  });
}

describe("npm run users", () => {
  let server: PostgresServer;
  let temp: TempDir;
  before(async () => {
    server = await startPostgres();
    temp = makeTempDir("tstasks-users-cli-");
  });
  after(async () => {
    await server?.stop();
    await temp?.remove();
  });

  describeLifecycle("on Postgres (DATABASE_URL)", () => ({ DATABASE_URL: server.url }));
  // A copy of a migrated store (creating one takes seconds; the empty-folder start is tested elsewhere).
  let embeddedDir: string;
  before(async () => {
    embeddedDir = await freshPgliteDataDir();
  });
  describeLifecycle("on the embedded store (TSTASKS_DATA_DIR)", () => ({ TSTASKS_DATA_DIR: embeddedDir }));

  test("a password can never come from argv: such options and arguments are usage errors (exit 2)", async () => {
    // Port 1 refuses connections: these are refused before any database is opened.
    const t = { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" };
    for (const args of [
      ["add", "dora", "--password", "secret"],
      ["add", "dora", "--password=secret"],
      ["add", "dora", "-p", "secret"],
      ["passwd", "dora", "--password", "secret"],
    ]) {
      const result = await users(t, args, "stdin-pw\n");
      expectExit(result, 2);
      assert.match(result.stderr, /^users: unknown option -/);
      assert.match(result.stderr, /usage: npm run users -- <command>/);
    }
    const positional = await users(t, ["add", "dora", "secret"], "stdin-pw\n");
    expectExit(positional, 2);
    assert.match(positional.stderr, /^users: add: unexpected argument "secret"/);
  });

  test("usage errors exit 2 without touching a database; --help exits 0", async () => {
    // Port 1 refuses connections: a usage error must be found before connecting.
    const t = { DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" };
    for (const args of [[], ["frob"], ["add"], ["add", "bad name"], ["remove", "a", "b"], ["allow", "alice"], ["list", "--allow", "x"]]) {
      const result = await users(t, args);
      expectExit(result, 2);
      assert.match(result.stderr, /^users: .+\n\nusage: /, args.join(" "));
      assert.equal(result.stdout, "");
    }
    const help = await users(t, ["--help"]);
    expectExit(help, 0);
    assert.match(help.stdout, /^usage: npm run users/);
    expectExit(await users(t, ["add", "--help"]), 0);
  });

  test("an unreachable DATABASE_URL is one clear line and exit 1", async () => {
    const result = await users({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/x" }, ["list"]);
    expectExit(result, 1);
    assert.match(result.stderr, /^users: migrating the database failed: .*ECONNREFUSED/);
    assert.equal(result.stderr.trim().split("\n").length, 1);
  });

  test("an embedded store held by a running tstasks: clear error, exit 1 from the real bin, the holder unharmed", async () => {
    const dataDir = join(temp.path, "held");
    const holder = await openPgliteDatabase({ dataDir });
    try {
      // A separate process, as in real use: the lock names this (the holder's) process.
      const result = await npmRunUsers({ TSTASKS_DATA_DIR: dataDir }, ["add", "erin"], "pw\n");
      expectExit(result, 1);
      assert.match(
        result.stderr,
        new RegExp(`^users: the embedded store in .*held is in use by a running tstasks \\(process ${process.pid}\\); stop it first, or use DATABASE_URL\n$`),
      );
      await sql`select 1`.execute(holder.db);
    } finally {
      await holder.close();
    }
    // Free again: the same command now works.
    expectExit(await users({ TSTASKS_DATA_DIR: dataDir }, ["add", "erin"], "pw\n"), 0);
  });

  test("the package.json script runs it: npm run --silent users -- … (exit 0, stdin read, stdout written)", async () => {
    const t = { TSTASKS_DATA_DIR: join(temp.path, "via-npm") };
    const added = await npmRunUsers(t, ["add", "fay", "--role", "admin"], "fay-pw\n");
    expectExit(added, 0);
    assert.match(added.stdout, /^added user "fay" \(roles: admin; allowed tasks: -\)\n$/);
    const stored = await storedUser(t, "fay");
    assert.ok(stored);
    assert.equal(await verifyPassword("fay-pw", stored.passwordHash), true);
    const listed = await users(t, ["list", "--json"]);
    expectExit(listed, 0);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as ListedUser[]).map((u) => [u.name, u.roles]),
      [["fay", ["admin"]]],
    );
  });
});
