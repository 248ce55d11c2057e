import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CompactSign, SignJWT, base64url, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import { UnauthenticatedError } from "./auth-errors.js";
import { mayRun } from "./principal.js";
import { loadSigningKeys } from "./signing-keys.js";
import type { SigningKeys } from "./signing-keys.js";
import { createTokenService } from "./token-service.js";
import type { TokenService } from "./token-service.js";

const now = () => Math.floor(Date.now() / 1000);

function pkcs8() {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

async function rejection(svc: TokenService, token: string): Promise<string> {
  try {
    await svc.verify(token);
  } catch (e) {
    assert.ok(e instanceof UnauthenticatedError, `expected UnauthenticatedError, got ${String(e)}`);
    return e.message;
  }
  assert.fail("token was accepted");
}

describe("token service", () => {
  let keys: SigningKeys;
  let other: SigningKeys;
  let svc: TokenService;

  /** A token signed with `signer` (default: our real key) carrying exactly `claims`. */
  function sign(claims: JWTPayload, signer: SigningKeys = keys, kid: string | undefined = signer.kid): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", ...(kid ? { kid } : {}) }).sign(signer.privateKey);
  }
  /** Claims a good local token would have. */
  const good = (extra: JWTPayload = {}): JWTPayload => ({
    sub: "ann",
    iss: "tstasks",
    aud: "tstasks",
    iat: now(),
    exp: now() + 600,
    allowed_tasks: { "official.sum": true },
    roles: ["user"],
    ...extra,
  });

  before(async () => {
    keys = await loadSigningKeys({ privatePem: pkcs8(), production: true, devKeyDir: "/nonexistent" });
    other = await loadSigningKeys({ privatePem: pkcs8(), production: true, devKeyDir: "/nonexistent" });
    svc = createTokenService({ keys, expireSec: 600 });
  });

  it("issues a token that round-trips to a Principal", async () => {
    const before = now();
    const { token, exp } = await svc.issue({ name: "ann", allowedTasks: { "official.sum": true, "official.mult": false }, roles: ["user"] });
    assert.deepEqual(decodeProtectedHeader(token), { alg: "RS256", typ: "JWT", kid: keys.kid });
    const payload = decodeJwt(token);
    assert.equal(typeof payload.exp, "number");
    assert.equal(payload.exp, exp);
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.ok(payload.iat! >= before);
    assert.equal(payload.iss, "tstasks");
    assert.equal(payload.aud, "tstasks");

    const p = await svc.verify(token);
    assert.equal(p.sub, "ann");
    assert.deepEqual(p.roles, ["user"]);
    assert.deepEqual(p.allowedTasks, { "official.sum": true, "official.mult": false });
    assert.equal(p.issuer, "tstasks");
    assert.equal(p.expiresAt, exp);
    assert.equal(p.claims["sub"], "ann");
    assert.equal(mayRun(p, "official.sum"), true);
    assert.equal(mayRun(p, "official.mult"), false);
  });

  it("uses the configured issuer and audience", async () => {
    const custom = createTokenService({ keys, expireSec: 60, issuer: "me", audience: "you" });
    const { token } = await custom.issue({ name: "bob", allowedTasks: {}, roles: ["admin"] });
    const p = await custom.verify(token);
    assert.equal(p.issuer, "me");
    assert.deepEqual(p.roles, ["admin"]);
    assert.equal(await rejection(svc, token), "token issuer is not accepted");
  });

  it("rejects a token signed by another key", async () => {
    assert.equal(await rejection(svc, await sign(good(), other, keys.kid)), "token signature is invalid");
    assert.equal(await rejection(svc, await sign(good(), other)), "token signature is invalid");
    assert.equal(await rejection(svc, await sign(good(), other, undefined)), "token signature is invalid");
  });

  it("rejects a tampered payload", async () => {
    const { token } = await svc.issue({ name: "ann", allowedTasks: { "official.sum": false }, roles: [] });
    const [h, p, s] = token.split(".") as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    claims.allowed_tasks = { "official.sum": true };
    claims.roles = ["admin"];
    const forged = `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
    assert.equal(await rejection(svc, forged), "token signature is invalid");
  });

  it('rejects alg "none"', async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
    const payload = base64url.encode(JSON.stringify(good({ roles: ["admin"] })));
    assert.equal(await rejection(svc, `${header}.${payload}.`), "token algorithm none is not allowed (RS256 only)");
  });

  it("rejects HS256 signed with our public key PEM as the secret", async () => {
    for (const type of ["spki", "pkcs1"] as const) {
      const secret = new TextEncoder().encode(keys.publicKey.export({ type, format: "pem" }).toString());
      const token = await new SignJWT(good()).setProtectedHeader({ alg: "HS256", typ: "JWT", kid: keys.kid }).sign(secret);
      assert.equal(await rejection(svc, token), "token algorithm HS256 is not allowed (RS256 only)");
    }
  });

  it("rejects a wrong or missing issuer and audience", async () => {
    assert.equal(await rejection(svc, await sign(good({ iss: "evil" }))), "token issuer is not accepted");
    assert.equal(await rejection(svc, await sign(good({ iss: undefined }))), "token issuer is not accepted");
    assert.equal(await rejection(svc, await sign(good({ aud: "other" }))), "token audience is not accepted");
    assert.equal(await rejection(svc, await sign(good({ aud: ["a", "b"] }))), "token audience is not accepted");
    assert.equal(await rejection(svc, await sign(good({ aud: undefined }))), "token audience is not accepted");
    // an audience array that contains ours is fine (RFC 7519 §4.1.3)
    assert.equal((await svc.verify(await sign(good({ aud: ["x", "tstasks"] })))).sub, "ann");
  });

  it("rejects expired tokens and tokens not valid yet", async () => {
    assert.equal(await rejection(svc, await sign(good({ iat: now() - 7200, exp: now() - 3600 }))), "token is expired");
    assert.equal(await rejection(svc, await sign(good({ nbf: now() + 3600 }))), "token is not valid yet (nbf/iat in the future)");
    assert.equal(await rejection(svc, await sign(good({ iat: now() + 3600 }))), "token is not valid yet (nbf/iat in the future)");
    // inside the clock tolerance is fine
    assert.equal((await svc.verify(await sign(good({ nbf: now() + 2, iat: now() + 2 })))).sub, "ann");
  });

  it("requires sub and exp", async () => {
    assert.equal(await rejection(svc, await sign(good({ sub: undefined }))), "token has no sub claim");
    assert.equal(await rejection(svc, await sign(good({ sub: "" }))), "token has no sub claim");
    assert.equal(await rejection(svc, await sign(good({ exp: undefined }))), "token has no exp claim");
  });

  it("rejects claims of the wrong type", async () => {
    const bad: JWTPayload[] = [
      { allowed_tasks: ["official.sum"] },
      { allowed_tasks: { "official.sum": "yes" } },
      { allowed_tasks: null },
      { roles: "admin" },
      { roles: ["admin", 1] },
      { sub: 42 as unknown as string },
      { exp: String(now() + 600) as unknown as number }, // pytasks wrote exp as a string
    ];
    for (const extra of bad) {
      assert.equal(await rejection(svc, await sign(good(extra))), "token claims are malformed", JSON.stringify(extra));
    }
  });

  it("absent allowed_tasks and roles mean nothing allowed", async () => {
    const p = await svc.verify(await sign(good({ allowed_tasks: undefined, roles: undefined })));
    assert.deepEqual(p.allowedTasks, {});
    assert.deepEqual(p.roles, []);
    assert.equal(mayRun(p, "official.sum"), false);
  });

  it("a __proto__ key in allowed_tasks stays an own property", async () => {
    const token = await sign({ ...good(), allowed_tasks: JSON.parse('{"__proto__": true, "a": true}') });
    const p = await svc.verify(token);
    assert.equal(Object.getPrototypeOf(p.allowedTasks), Object.prototype);
    assert.equal(mayRun(p, "a"), true);
    assert.equal(mayRun(p, "toString"), false);
  });

  it("rejects malformed tokens", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "RS256" }));
    for (const t of ["", "abc", "a.b.c", "a.b", `${header}.e30`, `${header}.e30.sig.x.y`]) {
      assert.equal(await rejection(svc, t), "token is malformed", t);
    }
    // correctly signed, but the payload is not a JSON object
    const signedArray = await new CompactSign(new TextEncoder().encode("[1]")).setProtectedHeader({ alg: "RS256" }).sign(keys.privateKey);
    assert.equal(await rejection(svc, signedArray), "token is malformed");
    // garbage in the payload is caught by the signature check first
    assert.equal(await rejection(svc, `${header}.!!!.xyz`), "token signature is invalid");
  });

  it("serves the public key as a JWK set that verifies its tokens", async () => {
    const set = svc.jwks();
    assert.equal(set.keys.length, 1);
    assert.equal(set.keys[0]!.kid, keys.kid);
    assert.equal(set.keys[0]!.alg, "RS256");
    assert.ok(!("d" in set.keys[0]!));
    set.keys[0]!.kid = "changed";
    assert.equal(svc.jwks().keys[0]!.kid, keys.kid, "returns a copy");
    const { token } = await svc.issue({ name: "ann", allowedTasks: {}, roles: [] });
    const { payload } = await jwtVerify(token, createLocalJWKSet(svc.jwks()), { algorithms: ["RS256"] });
    assert.equal(payload.sub, "ann");
  });

  it("validates expireSec and the subject name", async () => {
    for (const expireSec of [59, 0, -1, 60.5, Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number]) {
      assert.throws(() => createTokenService({ keys, expireSec }), /expireSec must be a whole number of seconds ≥ 60/);
    }
    assert.ok(createTokenService({ keys, expireSec: 60 }));
    await assert.rejects(svc.issue({ name: "", allowedTasks: {}, roles: [] }), /name must be non-empty/);
  });

  describe("external issuer", () => {
    let idp: SigningKeys;
    let server: Server;
    let ext: TokenService;
    let requests = 0;

    before(async () => {
      idp = await loadSigningKeys({ privatePem: pkcs8(), production: true, devKeyDir: "/nonexistent" });
      // a real HTTP server serving the identity provider's JWKS
      server = createServer((_req, res) => {
        requests++;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ keys: [idp.publicJwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      ext = createTokenService({
        keys,
        expireSec: 600,
        external: { jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: "https://idp.example", audience: "tstasks-api" },
      });
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const extClaims = (extra: JWTPayload = {}) => good({ iss: "https://idp.example", aud: "tstasks-api", ...extra });

    it("accepts the external issuer's tokens, checked against its JWKS", async () => {
      const p = await ext.verify(await sign(extClaims({ roles: ["admin"] }), idp));
      assert.equal(p.issuer, "https://idp.example");
      assert.deepEqual(p.roles, ["admin"]);
      assert.ok(requests >= 1, "the JWKS was fetched");
      // local tokens still work
      const { token } = await ext.issue({ name: "ann", allowedTasks: {}, roles: [] });
      assert.equal((await ext.verify(token)).issuer, "tstasks");
    });

    it("never mixes the two issuers' keys or audiences", async () => {
      assert.equal(await rejection(ext, await sign(extClaims(), keys)), "token signature is invalid");
      assert.equal(await rejection(ext, await sign(extClaims(), keys, idp.kid)), "token signature is invalid");
      assert.equal(await rejection(ext, await sign(good(), idp)), "token signature is invalid");
      assert.equal(await rejection(ext, await sign(extClaims({ aud: "tstasks" }), idp)), "token audience is not accepted");
      assert.equal(await rejection(ext, await sign(extClaims({ exp: now() - 100 }), idp)), "token is expired");
    });

    it("fails closed when the external JWKS cannot be fetched", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const down = createTokenService({
        keys,
        expireSec: 600,
        external: { jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: "https://idp.example", audience: "tstasks-api" },
      });
      const err = await down.verify(await sign(extClaims(), idp)).then(
        () => assert.fail("accepted"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof UnauthenticatedError);
      assert.equal(err.message, "token could not be verified: the issuer's signing keys are unavailable");
      assert.ok(err.cause, "the cause is kept for logs");
    });

    it("refuses an external issuer equal to the local one", () => {
      assert.throws(
        () => createTokenService({ keys, expireSec: 600, external: { jwksUrl: "http://x/", issuer: "tstasks", audience: "a" } }),
        /must differ/,
      );
    });
  });
});
