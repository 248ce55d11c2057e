import assert from "node:assert/strict";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT, createLocalJWKSet, jwtVerify, type JWK } from "jose";
import { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { hashPassword } from "../../server/auth/password-hash.js";
import { testSigningKeys } from "../support/test-keys.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

const PROTECTED = "test.main.myProtectedTask";
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

for (const backend of BACKENDS) describe(`auth and ownership [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const tokenOf = async (name: string, allowedTasks: Record<string, boolean> = {}, roles: string[] = []) =>
    (await stack.tokens.issue({ name, allowedTasks, roles })).token;

  before(async () => {
    stack = await startStack({ backend });
    url = stack.baseUrl;
    await stack.users.createUser({ name: "alice", passwordHash: await hashPassword("wonderland"), allowedTasks: { [PROTECTED]: true }, roles: [] });
    await stack.users.createUser({ name: "root", passwordHash: await hashPassword("toor"), allowedTasks: {}, roles: ["admin"] });
  });
  after(() => stack.stop());

  describe("tokens", () => {
    it("POST /token issues an RS256 token with a numeric exp, verifiable with the published JWKS", async () => {
      const res = await httpJson(`${url}/token`, { body: { user: "alice", password: "wonderland" } });
      assert.equal(res.status, 200, res.text);
      assert.equal(typeof res.body.exp, "number");
      assert.ok(res.body.exp > Date.now() / 1000 + 60);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const jwks = await httpJson(`${url}/.well-known/jwks.json`);
      assert.equal(jwks.status, 200);
      assert.equal(jwks.body.keys[0].kty, "RSA");
      assert.equal(jwks.body.keys[0].d, undefined, "no private parts");
      const { payload, protectedHeader } = await jwtVerify(res.body.token, createLocalJWKSet({ keys: jwks.body.keys as JWK[] }), {
        issuer: "tstasks",
        audience: "tstasks",
      });
      assert.equal(protectedHeader.alg, "RS256");
      assert.equal(protectedHeader.kid, jwks.body.keys[0].kid);
      assert.equal(payload.sub, "alice");
      assert.deepEqual(payload["allowed_tasks"], { [PROTECTED]: true });
      assert.equal(payload.exp, res.body.exp);
      assert.equal(typeof payload.iat, "number");
    });

    it("GET /token with the same JSON body works for pytasks clients", async () => {
      // fetch refuses a body on GET; a raw request sends it as pytasks clients do.
      const { status, body } = await rawGetWithBody(`${url}/token`, { user: "alice", password: "wonderland" });
      assert.equal(status, 200);
      assert.equal(typeof JSON.parse(body).exp, "number");
    });

    it("credentials in the query string are refused (400) on POST and GET, even next to a valid body", async () => {
      const query = "?user=alice&password=wonderland";
      const answers = [
        await httpJson(`${url}/token${query}`, { body: { user: "alice", password: "wonderland" } }),
        await httpJson(`${url}/token${query}`, { method: "POST" }),
        await httpJson(`${url}/token${query}`),
      ];
      const raw = await rawGetWithBody(`${url}/token${query}`, { user: "alice", password: "wonderland" });
      answers.push({ status: raw.status, body: JSON.parse(raw.body), text: raw.body, headers: new Headers() });
      for (const res of answers) {
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.code, "invalid_argument");
        assert.match(res.body.message, /"user", "password"\) must be sent in the JSON request body, never in the URL query string/);
        assert.equal(res.body.token, undefined);
        assert.ok(!res.text.includes("wonderland"), "the password is not echoed");
      }
    });

    it("an unknown user and a wrong password get the same 401; missing fields a 400", async () => {
      const wrong = await httpJson(`${url}/token`, { body: { user: "alice", password: "nope" } });
      const unknown = await httpJson(`${url}/token`, { body: { user: "nobody", password: "nope" } });
      assert.equal(wrong.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
      const missing = await httpJson(`${url}/token`, { body: { user: "alice" } });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.errors.password, "is required");
    });

    it("slows down repeated failed logins: after 5 failures even the right password waits (429)", async () => {
      await stack.users.createUser({ name: "eve", passwordHash: await hashPassword("right"), allowedTasks: {}, roles: [] });
      for (let i = 0; i < 5; i++) {
        assert.equal((await httpJson(`${url}/token`, { body: { user: "eve", password: `wrong${i}` } })).status, 401);
      }
      const blocked = await httpJson(`${url}/token`, { body: { user: "eve", password: "right" } });
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get("retry-after")) >= 1);
      // Other users are not affected.
      assert.equal((await httpJson(`${url}/token`, { body: { user: "alice", password: "wonderland" } })).status, 200);
    });

    it("GET /protected shows the verified claims and the protected types the token may run", async () => {
      const res = await httpJson(`${url}/protected`, { headers: bearer(await tokenOf("alice", { [PROTECTED]: true })) });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.claims.sub, "alice");
      assert.deepEqual(res.body.protected_tasks, [PROTECTED]);
      const none = await httpJson(`${url}/protected`, { headers: bearer(await tokenOf("bob")) });
      assert.deepEqual(none.body.protected_tasks, []);
      const anon = await httpJson(`${url}/protected`);
      assert.equal(anon.status, 401);
      assert.match(anon.body.message, /needs a token/);
    });
  });

  describe("bad tokens are 401 with a message that says which, over REST and gRPC", () => {
    const forged: [string, () => Promise<string>, RegExp][] = [];
    before(async () => {
      const keys = await testSigningKeys();
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
      const publicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
      const sign = (claims: object, key = keys.privateKey, alg = "RS256") =>
        new SignJWT({ allowed_tasks: {}, ...claims })
          .setProtectedHeader({ alg, kid: keys.kid })
          .setSubject("mallory")
          .setIssuer("tstasks")
          .setAudience("tstasks")
          .setIssuedAt()
          .setExpirationTime("10m")
          .sign(key as never);
      const good = await sign({});
      const [h, p, s] = good.split(".");
      forged.push(
        ["signed by another key", () => sign({}, other), /signature is invalid/],
        ["a tampered payload", async () => `${h}.${b64({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), sub: "root", roles: ["admin"] })}.${s}`, /signature is invalid/],
        ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${p}.`, /algorithm none is not allowed/],
        ["HS256 with the public key as secret", () => sign({}, new TextEncoder().encode(publicPem) as never, "HS256"), /algorithm HS256 is not allowed/],
        ["a wrong issuer", async () => new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setSubject("m").setIssuer("evil").setAudience("tstasks").setExpirationTime("10m").sign(keys.privateKey), /issuer is not accepted/],
        ["a wrong audience", async () => new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setSubject("m").setIssuer("tstasks").setAudience("other").setExpirationTime("10m").sign(keys.privateKey), /audience is not accepted/],
        ["an expired token", async () => new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setSubject("m").setIssuer("tstasks").setAudience("tstasks").setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(keys.privateKey), /expired/],
        ["a token not valid yet", async () => new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setSubject("m").setIssuer("tstasks").setAudience("tstasks").setNotBefore(Math.floor(Date.now() / 1000) + 3600).setExpirationTime("2h").sign(keys.privateKey), /not valid yet/],
        ["garbage", async () => "not.a.jwt", /malformed/],
      );
    });

    it("each forged token is refused over REST and gRPC", async () => {
      const grpc = createClient(AuthService, createGrpcTransport({ baseUrl: url }));
      for (const [name, make, message] of forged) {
        const token = await make();
        const rest = await httpJson(`${url}/protected`, { headers: bearer(token) });
        assert.equal(rest.status, 401, `${name}: ${rest.text}`);
        assert.equal(rest.body.code, "unauthenticated");
        assert.match(rest.body.message, message, name);
        await assert.rejects(grpc.getProtected({}, { headers: bearer(token) }), (e: unknown) => {
          assert.ok(e instanceof ConnectError, name);
          assert.equal(e.code, Code.Unauthenticated, name);
          assert.match(e.rawMessage, message, name);
          return true;
        });
        // A bad token is refused even where a token is optional: it is never read as anonymous.
        const submit = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } }, headers: bearer(token) });
        assert.equal(submit.status, 401, name);
      }
    });

    it("parses the Authorization header per RFC 6750", async () => {
      const token = await tokenOf("alice");
      assert.equal((await httpJson(`${url}/protected`, { headers: { authorization: `bearer ${token}` } })).status, 200);
      assert.equal((await httpJson(`${url}/protected`, { headers: { authorization: `BEARER ${token}` } })).status, 200);
      const empty = await httpJson(`${url}/protected`, { headers: { authorization: "Bearer" } });
      assert.equal(empty.status, 401);
      assert.match(empty.body.message, /no token/);
      const basic = await httpJson(`${url}/protected`, { headers: { authorization: "Basic YTpi" } });
      assert.equal(basic.status, 401);
      assert.match(basic.body.message, /Bearer scheme/);
    });

    it("reflection and health stay open", async () => {
      const health = await httpJson(`${url}/ready`, { headers: { authorization: "Bearer garbage" } });
      assert.equal(health.status, 200);
    });
  });

  describe("protected task types", () => {
    it("need a token (401), then the permission (403), over REST", async () => {
      const body = { type: PROTECTED, args: { x: 1, y: 2 } };
      assert.equal((await httpJson(`${url}/task`, { body })).status, 401);
      const denied = await httpJson(`${url}/task`, { body, headers: bearer(await tokenOf("bob", { "test.main.add": true })) });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, "permission_denied");
      const falsy = await httpJson(`${url}/task`, { body, headers: bearer(await tokenOf("bob", { [PROTECTED]: false })) });
      assert.equal(falsy.status, 403);
      const ok = await httpJson(`${url}/task`, { body, headers: bearer(await tokenOf("alice", { [PROTECTED]: true })) });
      assert.equal(ok.status, 200, ok.text);
      const done = await waitForFinal(url, ok.body.id).catch(() => undefined);
      // The owner reads it; anonymous readers do not see it.
      assert.equal(done, undefined, "an owned task is not readable anonymously");
      const mine = await httpJson(`${url}/task/${ok.body.id}`, { headers: bearer(await tokenOf("alice")) });
      assert.equal(mine.status, 200);
    });

    it("need a token, then the permission, over gRPC; the right one runs it", async () => {
      const client = createClient(TaskService, createGrpcTransport({ baseUrl: url }));
      const req = { type: PROTECTED, args: { x: 20, y: 22 } };
      await assert.rejects(client.submitTask(req), (e: unknown) => e instanceof ConnectError && e.code === Code.Unauthenticated);
      await assert.rejects(
        client.submitTask(req, { headers: bearer(await tokenOf("bob")) }),
        (e: unknown) => e instanceof ConnectError && e.code === Code.PermissionDenied,
      );
      const headers = bearer(await tokenOf("alice", { [PROTECTED]: true }));
      const { task } = await client.submitTask(req, { headers });
      let got = (await client.getTask({ id: task!.id }, { headers })).task!;
      for (let i = 0; i < 400 && got.status !== TaskStatus.SUCCESS; i++) {
        await new Promise((r) => setTimeout(r, 25));
        got = (await client.getTask({ id: task!.id }, { headers })).task!;
      }
      assert.equal(got.status, TaskStatus.SUCCESS);
      assert.equal(got.result?.kind.value, 42);
      assert.equal(got.owner, "alice");
    });

    it("demo.main.crash, which would stop an embedded service, is refused anonymously (401) and accepted with a token that allows it", async () => {
      const body = { type: "demo.main.crash", args: {}, delay_ms: 3_600_000 };
      const anon = await httpJson(`${url}/task`, { body });
      assert.equal(anon.status, 401, anon.text);
      assert.equal(anon.body.code, "unauthenticated");
      assert.equal((await httpJson(`${url}/ping`)).status, 200, "the service is still up");
      const types = (await httpJson(`${url}/tasks`)).body;
      assert.equal(types["demo.main.crash"].require_authorization, true);
      assert.equal(types["demo.main.ignoreCancel"].require_authorization, true);
      // Accepted, but delayed an hour and revoked at once, so it never runs (and never kills this process).
      const headers = bearer(await tokenOf("operator", { "demo.main.crash": true }));
      const ok = await httpJson(`${url}/task`, { body, headers });
      assert.equal(ok.status, 200, ok.text);
      const revoked = await httpJson(`${url}/task/${ok.body.id}/cancel`, { method: "POST", body: {}, headers });
      assert.equal(revoked.body.status, "REVOKED", revoked.text);
      const sum = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 2, y: 3 } } });
      assert.equal((await waitForFinal(url, sum.body.id)).result, 5);
    });

    it("a worker refuses a protected task whose record lacks the permission (bypassing the API)", async () => {
      const id = randomUUID();
      const args = { x: 1, y: 2 };
      await stack.store.insertTasks([{ id, type: PROTECTED, queue: "default", args, owner: null, permission: null }]);
      await stack.queue.publish([{ id, type: PROTECTED, queue: "default", args }]);
      const done = await waitForFinal(url, id);
      assert.equal(done.status, "FAILURE");
      assert.equal(done.error.type, "PermissionDenied");
      assert.match(done.error.message, /protected/);

      // A message with no row at all never runs (nothing to run, nothing recorded).
      const ghost = randomUUID();
      await stack.queue.publish([{ id: ghost, type: PROTECTED, queue: "default", args }]);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await stack.store.getTask(ghost), undefined);
    });
  });

  describe("ownership", () => {
    it("only the owner or an admin reads, cancels or lists an owned task; others get 404", async () => {
      const alice = bearer(await tokenOf("alice"));
      const bob = bearer(await tokenOf("bob"));
      const admin = bearer(await tokenOf("root", {}, ["admin"]));
      const res = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 2, y: 2 } }, headers: alice });
      const id = res.body.id;
      assert.equal(res.body.owner, "alice");
      assert.equal((await httpJson(`${url}/task/${id}`, { headers: alice })).status, 200);
      assert.equal((await httpJson(`${url}/task/${id}`, { headers: admin })).status, 200);
      const hidden = await httpJson(`${url}/task/${id}`, { headers: bob });
      assert.equal(hidden.status, 404);
      assert.deepEqual(hidden.body, { code: "not_found", message: `task ${id} not found` }, "exactly like an unknown id");
      assert.equal((await httpJson(`${url}/task/${id}`)).status, 404);
      assert.equal((await httpJson(`${url}/task/${id}/cancel`, { method: "POST", body: {}, headers: bob })).status, 404);

      const grpc = createClient(TaskService, createGrpcTransport({ baseUrl: url }));
      await assert.rejects(grpc.getTask({ id }, { headers: bob }), (e: unknown) => e instanceof ConnectError && e.code === Code.NotFound);
      assert.equal((await grpc.getTask({ id }, { headers: admin })).task?.owner, "alice");

      const aliceList = await httpJson(`${url}/task?page_size=1000`, { headers: alice });
      assert.ok(aliceList.body.tasks.every((t: { owner: string }) => t.owner === "alice"));
      assert.ok(aliceList.body.tasks.some((t: { id: string }) => t.id === id));
      const bobList = await httpJson(`${url}/task?page_size=1000`, { headers: bob });
      assert.ok(!bobList.body.tasks.some((t: { id: string }) => t.id === id));
      const adminList = await httpJson(`${url}/task?page_size=1000`, { headers: admin });
      assert.ok(adminList.body.tasks.some((t: { id: string }) => t.id === id));
      const anon = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 0, y: 0 } } });
      assert.ok(adminList.body.tasks.length >= aliceList.body.tasks.length);
      assert.equal((await httpJson(`${url}/task/${anon.body.id}`, { headers: bob })).status, 200, "anonymous tasks stay readable by id");
    });
  });

  describe("hardened edges", () => {
    it("sends security headers and keeps stack traces out of error bodies", async () => {
      const res = await httpJson(`${url}/task/${randomUUID()}`);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("x-frame-options"), "DENY");
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
      const bad = await httpJson(`${url}/task`, { body: "{", headers: { "content-type": "application/json" } });
      assert.doesNotMatch(bad.text, /\bat \S+:\d+/);
    });

    it("refuses arguments nested too deeply", async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 40; i++) deep = { d: deep };
      const res = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2, deep } } });
      assert.equal(res.status, 400);
      assert.match(res.body.errors.args, /nests deeper than 32/);
    });
  });
});

for (const backend of BACKENDS) describe(`limits [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, submitRateLimit: 5, tokenRateLimit: 3, maxRequestBytes: 4096, corsOrigins: ["http://app.example"] });
    await stack.users.createUser({ name: "carol", passwordHash: await hashPassword("pw"), allowedTasks: {}, roles: [] });
  });
  after(() => stack.stop());

  it("rate-limits submits per principal with 429 and Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: i, y: 1 } } });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        assert.equal(res.body.code, "resource_exhausted");
      }
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join(","));
    assert.ok(Number(retryAfter) >= 1);
    // Another principal has its own budget.
    const { token } = await stack.tokens.issue({ name: "dave", allowedTasks: {}, roles: [] });
    const other = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 1 } }, headers: { authorization: `Bearer ${token}` } });
    assert.equal(other.status, 200);
  });

  it("allows CORS only for the FRONTEND_URL origins", async () => {
    const preflight = await fetch(`${stack.baseUrl}/task`, {
      method: "OPTIONS",
      headers: { origin: "http://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "http://app.example");
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
    const other = await fetch(`${stack.baseUrl}/ping`, { headers: { origin: "http://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const allowed = await fetch(`${stack.baseUrl}/ping`, { headers: { origin: "http://app.example" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://app.example");
  });

  it("rate-limits /token per address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await httpJson(`${stack.baseUrl}/token`, { body: { user: "carol", password: "pw" } })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });

  it("refuses bodies over MAX_REQUEST_BYTES with 413 over REST and resource_exhausted over gRPC", async () => {
    const big = { type: "test.main.add", args: { x: 1, y: 2, pad: "x".repeat(10_000) } };
    const res = await httpJson(`${stack.baseUrl}/task`, { body: big });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, "resource_exhausted");
    assert.match(res.body.message, /exceeds 4096 bytes/);
    const grpc = createClient(TaskService, createGrpcTransport({ baseUrl: stack.baseUrl }));
    await assert.rejects(grpc.submitTask(big as never), (e: unknown) => e instanceof ConnectError && e.code === Code.ResourceExhausted);
  });
});

/** GET with a JSON body over a raw HTTP/1.1 request (some fetch versions refuse bodies on GET). */
async function rawGetWithBody(url: string, body: object): Promise<{ status: number; body: string }> {
  const http = await import("node:http");
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, { method: "GET", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(data);
  });
}
