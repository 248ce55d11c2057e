import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, DEFAULT_RESULT_RETENTION_MS, DEFAULT_TASKPACKS_DIR, loadConfig } from "./env-config.js";
import { requireSharedBackends } from "./require-shared-backends.js";
import { requireTaskpacks } from "./require-taskpacks.js";

describe("loadConfig", () => {
  it("has defaults that need no infrastructure", () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.natsUrl, undefined);
    assert.ok(isAbsolute(c.dataDir) && c.dataDir.endsWith(".tstasks"));
    assert.ok(c.taskpacksDir?.endsWith("taskpacks"));
    assert.equal(c.workerConcurrency, 16);
    assert.equal(c.workerPrefetch, 16, "prefetch follows the concurrency");
    assert.equal(loadConfig({ WORKER_CONCURRENCY: "50" }).workerPrefetch, 50);
    assert.equal(loadConfig({ WORKER_CONCURRENCY: "50", WORKER_PREFETCH: "0" }).workerPrefetch, 0);
    assert.deepEqual(c.corsOrigins, []);
  });

  it("accepts postgres:// and postgresql:// and treats empty strings as unset", () => {
    assert.equal(loadConfig({ DATABASE_URL: "postgresql://u@h/db" }).databaseUrl, "postgresql://u@h/db");
    assert.equal(loadConfig({ DATABASE_URL: "postgres://u@h/db" }).databaseUrl, "postgres://u@h/db");
    assert.equal(loadConfig({ DATABASE_URL: "", NATS_URL: "" }).natsUrl, undefined);
  });

  it("prepares the store's statements unless DATABASE_PREPARED_STATEMENTS is off", () => {
    assert.equal(loadConfig({}).databasePreparedStatements, true);
    assert.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: "off" }).databasePreparedStatements, false);
    assert.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: "on" }).databasePreparedStatements, true);
    assert.throws(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: "maybe" }), /DATABASE_PREPARED_STATEMENTS must be on or off/);
  });

  it("lists every bad value in one error", () => {
    assert.throws(
      () => loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", WORKER_CONCURRENCY: "0", NATS_URL: "http://x" }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /PORT: PORT must be a whole number/);
        assert.match(e.message, /DATABASE_URL: DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//);
        assert.match(e.message, /WORKER_CONCURRENCY: WORKER_CONCURRENCY must be at least 1/);
        assert.match(e.message, /NATS_URL/);
        return true;
      },
    );
  });

  it("accepts a comma list of NATS servers and the stream's replica count", () => {
    const c = loadConfig({ NATS_URL: "nats://a:4222, nats://b:4222,nats://c:4222", NATS_STREAM_REPLICAS: "3" });
    assert.equal(c.natsUrl, "nats://a:4222, nats://b:4222,nats://c:4222");
    assert.equal(c.natsStreamReplicas, 3);
    assert.equal(loadConfig({}).natsStreamReplicas, 1);
    assert.throws(() => loadConfig({ NATS_URL: "nats://a:4222,http://b" }), /NATS_URL must be a URL starting with nats:\/\//);
    assert.throws(() => loadConfig({ NATS_URL: "nats://a:4222," }), /NATS_URL/);
    assert.throws(() => loadConfig({ NATS_STREAM_REPLICAS: "6" }), /NATS_STREAM_REPLICAS must be at most 5/);
  });

  it("derives the worker heartbeat from the ack wait unless it is set", () => {
    assert.equal(loadConfig({}).workerHeartbeatMs, 10_000);
    assert.equal(loadConfig({ ACK_WAIT_MS: "300" }).workerHeartbeatMs, 100);
    assert.equal(loadConfig({ ACK_WAIT_MS: "120" }).workerHeartbeatMs, 50);
    assert.equal(loadConfig({ ACK_WAIT_MS: "300", WORKER_HEARTBEAT_MS: "5000" }).workerHeartbeatMs, 5000);
    assert.throws(() => loadConfig({ ACK_WAIT_MS: "99" }), /ACK_WAIT_MS must be at least 100/);
    assert.throws(() => loadConfig({ WORKER_HEARTBEAT_MS: "10" }), /WORKER_HEARTBEAT_MS must be at least 50/);
  });

  it("ages waiting tasks one priority level per 5 s unless PRIORITY_AGING_MS says otherwise", () => {
    assert.equal(loadConfig({}).priorityAgingMs, 5000);
    assert.equal(loadConfig({ PRIORITY_AGING_MS: "250" }).priorityAgingMs, 250);
    assert.throws(() => loadConfig({ PRIORITY_AGING_MS: "0" }), /PRIORITY_AGING_MS must be at least 10/);
  });

  it("turns the worker health endpoint on only with a valid WORKER_HEALTH_PORT", () => {
    assert.equal(loadConfig({}).workerHealthPort, undefined);
    assert.equal(loadConfig({ WORKER_HEALTH_PORT: "" }).workerHealthPort, undefined);
    assert.equal(loadConfig({ WORKER_HEALTH_PORT: "9090" }).workerHealthPort, 9090);
    assert.throws(() => loadConfig({ WORKER_HEALTH_PORT: "0" }), /WORKER_HEALTH_PORT must be at least 1/);
    assert.throws(() => loadConfig({ WORKER_HEALTH_PORT: "65536" }), /WORKER_HEALTH_PORT must be at most 65535/);
    assert.throws(() => loadConfig({ WORKER_HEALTH_PORT: "90a" }), /WORKER_HEALTH_PORT must be a whole number/);
  });

  it("splits comma lists", () => {
    const c = loadConfig({ FRONTEND_URL: "http://a, http://b ,", TASKPACKS: "pack-one,@org/pack-two" });
    assert.deepEqual(c.corsOrigins, ["http://a", "http://b"]);
    assert.deepEqual(c.taskpackPackages, ["pack-one", "@org/pack-two"]);
  });
});

describe("requireSharedBackends", () => {
  it("refuses a separate server or worker without Postgres and NATS", () => {
    assert.throws(() => requireSharedBackends(loadConfig({}), "npm run worker"), /npm run worker needs DATABASE_URL and NATS_URL/);
    assert.throws(() => requireSharedBackends(loadConfig({ DATABASE_URL: "postgres://h/db" }), "npm run server"), /needs NATS_URL:/);
    requireSharedBackends(loadConfig({ DATABASE_URL: "postgres://h/db", NATS_URL: "nats://h:4222" }), "npm run server");
  });
});

describe("taskpacks", () => {
  it("defaults TASKPACKS_DIR to the shipped packs outside production only", () => {
    assert.equal(loadConfig({}).taskpacksDir, DEFAULT_TASKPACKS_DIR);
    assert.equal(loadConfig({ NODE_ENV: "development" }).taskpacksDir, DEFAULT_TASKPACKS_DIR);
    assert.equal(loadConfig({ NODE_ENV: "production" }).taskpacksDir, undefined);
    assert.equal(loadConfig({ NODE_ENV: "production", TASKPACKS_DIR: "" }).taskpacksDir, undefined);
    const set = loadConfig({ NODE_ENV: "production", TASKPACKS_DIR: "my-packs" });
    assert.ok(isAbsolute(set.taskpacksDir!) && set.taskpacksDir!.endsWith("my-packs"));
  });

  it("a production worker given no packs fails with one line naming TASKPACKS_DIR and TASKPACKS", () => {
    assert.throws(
      () => requireTaskpacks(loadConfig({ NODE_ENV: "production" }), "npm run worker"),
      (e: unknown) =>
        e instanceof ConfigError &&
        !e.message.includes("\n") &&
        /^npm run worker with NODE_ENV=production needs taskpacks: set TASKPACKS_DIR .* or TASKPACKS /.test(e.message),
    );
    requireTaskpacks(loadConfig({ NODE_ENV: "production", TASKPACKS: "./taskpacks/physicsjs" }), "npm start");
    requireTaskpacks(loadConfig({ NODE_ENV: "production", TASKPACKS_DIR: "/srv/packs" }), "npm start");
    requireTaskpacks(loadConfig({}), "npm start");
  });
});

describe("auth settings", () => {
  it("tokens always expire and the external issuer comes whole", () => {
    assert.equal(loadConfig({}).jwtExpireSec, 3600);
    assert.throws(() => loadConfig({ JWT_EXPIRE_SEC: "0" }), /JWT_EXPIRE_SEC must be at least 60/);
    assert.throws(() => loadConfig({ JWT_JWKS_URL: "https://idp/jwks" }), /set all three or none/);
    const c = loadConfig({ JWT_JWKS_URL: "https://idp/jwks", JWT_ISSUER: "idp", JWT_AUDIENCE: "tstasks" });
    assert.deepEqual(c.externalIssuer, { jwksUrl: "https://idp/jwks", issuer: "idp", audience: "tstasks" });
    assert.equal(loadConfig({ NODE_ENV: "production" }).production, true);
  });
});

describe("retention settings", () => {
  it("keeps finished tasks 7 days by default, sweeping every minute in batches of 1000", () => {
    const c = loadConfig({});
    assert.equal(c.resultRetentionMs, 7 * 86_400_000);
    assert.equal(c.resultRetentionMs, DEFAULT_RESULT_RETENTION_MS);
    assert.equal(c.retentionSweepMs, 60_000);
    assert.equal(c.retentionBatch, 1000);
  });

  it("reads RESULT_RETENTION as a duration; 0 and off keep tasks forever", () => {
    assert.equal(loadConfig({ RESULT_RETENTION: "12h" }).resultRetentionMs, 43_200_000);
    assert.equal(loadConfig({ RESULT_RETENTION: "90s" }).resultRetentionMs, 90_000);
    assert.equal(loadConfig({ RESULT_RETENTION: "0" }).resultRetentionMs, undefined);
    assert.equal(loadConfig({ RESULT_RETENTION: "off" }).resultRetentionMs, undefined);
    assert.equal(loadConfig({ RESULT_RETENTION: "" }).resultRetentionMs, DEFAULT_RESULT_RETENTION_MS, "empty counts as unset");
    const c = loadConfig({ RETENTION_SWEEP_MS: "200", RETENTION_BATCH: "50" });
    assert.deepEqual([c.retentionSweepMs, c.retentionBatch], [200, 50]);
  });

  it("refuses nonsense with one line per variable", () => {
    assert.throws(
      () => loadConfig({ RESULT_RETENTION: "7", RETENTION_SWEEP_MS: "10", RETENTION_BATCH: "0" }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(
          e.message,
          /\n {2}RESULT_RETENTION: RESULT_RETENTION "7" is not a duration: use a whole number and a unit \(7d, 12h, 30m, 90s\), or 0 or off to keep tasks forever(\n|$)/,
        );
        assert.match(e.message, /\n {2}RETENTION_SWEEP_MS: RETENTION_SWEEP_MS must be at least 100(\n|$)/);
        assert.match(e.message, /\n {2}RETENTION_BATCH: RETENTION_BATCH must be at least 1(\n|$)/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ RESULT_RETENTION: "0d" }), /RESULT_RETENTION "0d" would delete every finished task at once/);
    assert.throws(() => loadConfig({ RESULT_RETENTION: "1w" }), /RESULT_RETENTION "1w" is not a duration/);
    assert.throws(() => loadConfig({ RETENTION_BATCH: "10001" }), /RETENTION_BATCH must be at most 10000/);
  });

  it("reads SCHEDULER_INTERVAL_MS: default 1000, 100 to 60000", () => {
    assert.equal(loadConfig({}).schedulerIntervalMs, 1000);
    assert.equal(loadConfig({ SCHEDULER_INTERVAL_MS: "250" }).schedulerIntervalMs, 250);
    assert.throws(() => loadConfig({ SCHEDULER_INTERVAL_MS: "50" }), /SCHEDULER_INTERVAL_MS must be at least 100/);
    assert.throws(() => loadConfig({ SCHEDULER_INTERVAL_MS: "60001" }), /SCHEDULER_INTERVAL_MS must be at most 60000/);
  });

  it("reads LOG_LEVEL (default info, any letter case) and LOG_FORMAT (default: decided at start), refusing other values", () => {
    const c = loadConfig({});
    assert.deepEqual([c.logLevel, c.logFormat], ["info", undefined]);
    assert.equal(loadConfig({ LOG_LEVEL: "DEBUG" }).logLevel, "debug");
    assert.equal(loadConfig({ LOG_LEVEL: "silent" }).logLevel, "silent");
    assert.equal(loadConfig({ LOG_FORMAT: "pretty" }).logFormat, "pretty");
    assert.equal(loadConfig({ LOG_FORMAT: "JSON" }).logFormat, "json");
    assert.throws(
      () => loadConfig({ LOG_LEVEL: "bogus", LOG_FORMAT: "xml" }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /\n {2}LOG_LEVEL: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent(\n|$)/);
        assert.match(e.message, /\n {2}LOG_FORMAT: LOG_FORMAT must be one of json, pretty(\n|$)/);
        return true;
      },
    );
  });
});
