import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "./env-config.js";
import { requireSharedBackends } from "./require-shared-backends.js";

describe("loadConfig", () => {
  it("has defaults that need no infrastructure", () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.natsUrl, undefined);
    assert.ok(isAbsolute(c.dataDir) && c.dataDir.endsWith(".tstasks"));
    assert.ok(c.taskpacksDir.endsWith("taskpacks"));
    assert.equal(c.workerConcurrency, 16);
    assert.deepEqual(c.corsOrigins, []);
  });

  it("accepts postgres:// and postgresql:// and treats empty strings as unset", () => {
    assert.equal(loadConfig({ DATABASE_URL: "postgresql://u@h/db" }).databaseUrl, "postgresql://u@h/db");
    assert.equal(loadConfig({ DATABASE_URL: "postgres://u@h/db" }).databaseUrl, "postgres://u@h/db");
    assert.equal(loadConfig({ DATABASE_URL: "", NATS_URL: "" }).natsUrl, undefined);
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
