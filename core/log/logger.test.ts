import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { captureLog } from "../../test/support/capture-log.js";
import { resolveLogFormat } from "./log-settings.js";
import { createLogger } from "./logger.js";
import { REDACTED } from "./redaction.js";
import { logStartBanner } from "./start-banner.js";
import { taskFields } from "./task-fields.js";

/** A logger writing raw text lines into an array, in `format`. */
function rawLog(format: "json" | "pretty", level: "debug" | "info" = "info") {
  const lines: string[] = [];
  const log = createLogger({ logLevel: level, logFormat: format, destination: { write: (l: string) => void lines.push(l) } });
  return { log, lines };
}

describe("createLogger", () => {
  it("writes one JSON object per line with the level's name, an ISO time, pid and hostname", () => {
    const { log, entries } = captureLog("info");
    log.info({ queue: "default" }, "hello");
    const [line] = entries();
    assert.equal(line!["level"], "info");
    assert.equal(line!["msg"], "hello");
    assert.equal(line!["queue"], "default");
    assert.equal(line!["pid"], process.pid);
    assert.equal(typeof line!["hostname"], "string");
    assert.ok(!Number.isNaN(Date.parse(String(line!["time"]))) && String(line!["time"]).endsWith("Z"), String(line!["time"]));
  });

  it("writes only lines at or above its level; silent writes nothing", () => {
    const warn = captureLog("warn");
    warn.log.debug("d");
    warn.log.info("i");
    warn.log.warn("w");
    warn.log.error("e");
    assert.deepEqual(warn.entries().map((e) => [e["level"], e["msg"]]), [["warn", "w"], ["error", "e"]]);
    assert.equal(warn.log.isLevelEnabled("debug"), false);

    const silent = captureLog("silent");
    silent.log.fatal("f");
    assert.deepEqual(silent.entries(), []);

    const debug = captureLog("debug");
    debug.log.trace("t");
    debug.log.debug("d");
    assert.deepEqual(debug.messages(), ["d"]);
  });

  it("lines about a task carry taskId, type, attempt and the worker bound on its child logger", () => {
    const { log, entries } = captureLog("debug");
    const worker = log.child({ component: "worker" }).child({ worker: "w-1" });
    worker.debug(taskFields("0b9f0a54-5a4e-4ad0-9a39-5b2e2f1f7b1e", "test.main.add", 2), "task started");
    worker.warn({ ...taskFields("0b9f0a54-5a4e-4ad0-9a39-5b2e2f1f7b1e", "test.main.add"), err: new Error("store down") }, "could not claim");
    const [started, claim] = entries();
    assert.deepEqual(
      [started!["component"], started!["worker"], started!["taskId"], started!["type"], started!["attempt"], started!["level"]],
      ["worker", "w-1", "0b9f0a54-5a4e-4ad0-9a39-5b2e2f1f7b1e", "test.main.add", 2, "debug"],
    );
    assert.equal("attempt" in claim!, false, "no attempt before the claim");
    assert.deepEqual(taskFields("x", undefined), { taskId: "x" });
  });

  it("logs errors as err objects with type, message, stack and cause", () => {
    const { log, entries } = captureLog();
    log.error({ err: new TypeError("outer", { cause: new Error("inner") }) }, "failed");
    const err = entries()[0]!["err"] as Record<string, unknown>;
    assert.equal(err["type"], "TypeError");
    assert.match(String(err["message"]), /^outer/);
    assert.match(String(err["stack"]), /TypeError: outer\n\s+at /);
    assert.match(String(err["stack"]), /caused by: Error: inner/);
  });

  it("keeps an error's own data fields but not the objects it drags along; a plain { type, message } stays as it is", () => {
    const { log, entries } = captureLog();
    const pgLike = Object.assign(new Error("terminating connection"), {
      code: "57P01",
      severity: "FATAL",
      client: new (class Client {
        connectionParameters = { host: "db", statements: "x".repeat(5000) };
      })(),
      detail: { big: "y".repeat(3000) },
    });
    log.warn({ err: pgLike }, "connection failed");
    log.warn({ err: { type: "WorkerLost", message: "5 attempts ended without an outcome" } }, "task failed");
    const [pg, lost] = entries().map((e) => e["err"] as Record<string, unknown>);
    assert.deepEqual([pg!["type"], pg!["code"], pg!["severity"]], ["Error", "57P01", "FATAL"]);
    assert.equal("client" in pg!, false, "the pg client is left out");
    assert.equal("detail" in pg!, false, "large data is left out");
    assert.deepEqual(lost, { type: "WorkerLost", message: "5 attempts ended without an outcome" });
  });

  it("never writes a secret: passwords, tokens, authorization headers, keys and URL passwords are redacted", () => {
    const { log, lines } = rawLog("json");
    const secrets = ["hunter2", "eyJhbGciOiJSUzI1NiJ9.payload.sig", "-----BEGIN PRIVATE KEY-----MIIEvQ", "s3cr3t-db", "nats-pass", "adm1n"];
    log.info(
      {
        password: secrets[0],
        token: secrets[1],
        headers: { authorization: `Bearer ${secrets[1]}` },
        req: { headers: { Authorization: `Bearer ${secrets[1]}`, cookie: "session=abc" } },
        config: { jwtPrivatePem: secrets[2], databaseUrl: `postgres://app:${secrets[3]}@db:5432/tasks` },
        DATABASE_URL: `postgresql://app:${secrets[3]}@db/tasks`,
        NATS_URL: `nats://user:${secrets[4]}@a:4222,nats://b:4222`,
        env: { JWT_PRIVATE_PEM: secrets[2], TSTASKS_ADMIN_PASSWORD: secrets[5] },
      },
      "settings",
    );
    const text = lines.join("");
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    assert.equal(line["password"], REDACTED);
    assert.equal(line["headers"]["authorization"], REDACTED);
    assert.equal(line["req"]["headers"]["Authorization"], REDACTED);
    assert.equal(line["config"]["jwtPrivatePem"], REDACTED);
    // A URL keeps what tells the operator which server was meant.
    assert.equal(line["DATABASE_URL"], "postgresql://app:***@db/tasks");
    assert.equal(line["config"]["databaseUrl"], "postgres://app:***@db:5432/tasks");
    assert.equal(line["NATS_URL"], "nats://user:***@a:4222,nats://b:4222");
  });

  it("pretty: one readable line per entry with the component as a prefix and the fields after, redacted too", () => {
    const { log, lines } = rawLog("pretty", "debug");
    log.child({ component: "worker" }).warn({ ...taskFields("t-1", "demo.main.refuse", 1), password: "hunter2" }, "task failed");
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[worker\] task failed \{"taskId":"t-1","type":"demo.main.refuse","attempt":1,"password":"\[redacted\]"\}\n$/);
    assert.ok(!lines[0]!.includes("\u001b["), "no colours when not writing to a terminal");
  });
});

describe("resolveLogFormat", () => {
  it("pretty only outside production on a terminal, unless LOG_FORMAT says", () => {
    assert.equal(resolveLogFormat({ isTTY: true }), "pretty");
    assert.equal(resolveLogFormat({ isTTY: false }), "json");
    assert.equal(resolveLogFormat({ isTTY: true, production: true }), "json");
    assert.equal(resolveLogFormat({ isTTY: false, logFormat: "pretty" }), "pretty");
    assert.equal(resolveLogFormat({ isTTY: true, logFormat: "json" }), "json");
  });
});

describe("logStartBanner", () => {
  const banner = {
    title: "tstasks is running on http://localhost:8080",
    details: ["store: embedded PGlite", "queue: in-process"],
    fields: { port: 8080, backends: ["store: embedded PGlite", "queue: in-process"] },
  };

  it("json: one info line whose msg is the title and whose fields carry the details", () => {
    const { log, entries } = captureLog("info");
    logStartBanner(log, "json", banner);
    assert.equal(entries().length, 1);
    const [line] = entries();
    assert.deepEqual([line!["level"], line!["msg"], line!["port"], line!["backends"]], ["info", banner.title, 8080, banner.fields.backends]);
  });

  it("pretty: the title, then each detail on its own indented line", () => {
    const { log, lines } = rawLog("pretty");
    logStartBanner(log, "pretty", banner);
    assert.match(lines.join(""), /INFO: tstasks is running on http:\/\/localhost:8080\n {2}store: embedded PGlite\n {2}queue: in-process\n$/);
  });

  it("is hidden above info", () => {
    const { log, entries } = captureLog("warn");
    logStartBanner(log, "json", banner);
    assert.deepEqual(entries(), []);
  });
});
