import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { calculateJwkThumbprint } from "jose";
import { DEV_KEY_FILE, loadSigningKeys } from "./signing-keys.js";
import { captureLog } from "../../test/support/capture-log.js";

function rsaPems(bits = 2048) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    pkcs1Private: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    pkcs8Private: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    pkcs1Public: publicKey.export({ type: "pkcs1", format: "pem" }).toString(),
    spkiPublic: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

describe("loadSigningKeys", () => {
  const a = rsaPems();
  const b = rsaPems();
  let dir: string;
  const base = () => ({ production: true, devKeyDir: join(dir, "unused") });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tstasks-keys-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(opts: { privatePem?: string; publicPem?: string }): Promise<string> {
    try {
      await loadSigningKeys({ ...base(), ...opts });
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail("expected an error");
  }

  it("loads PKCS#1 and PKCS#8 private keys and PKCS#1 and SPKI public keys", async () => {
    const kids = new Set<string>();
    for (const privatePem of [a.pkcs1Private, a.pkcs8Private]) {
      for (const publicPem of [undefined, a.pkcs1Public, a.spkiPublic]) {
        const keys = await loadSigningKeys({ ...base(), privatePem, publicPem });
        assert.equal(keys.source, "env");
        assert.equal(keys.privateKey.type, "private");
        assert.equal(keys.publicKey.type, "public");
        // the pair really matches: sign with one, verify with the other
        const sig = sign("sha256", Buffer.from("hi"), keys.privateKey);
        assert.ok(verify("sha256", Buffer.from("hi"), keys.publicKey, sig));
        kids.add(keys.kid);
      }
    }
    assert.equal(kids.size, 1, "the kid depends only on the public key");
  });

  it("kid is the RFC 7638 thumbprint and the JWK is public only", async () => {
    const keys = await loadSigningKeys({ ...base(), privatePem: a.pkcs8Private });
    const jwk = createPublicKey(a.spkiPublic).export({ format: "jwk" });
    assert.equal(keys.kid, await calculateJwkThumbprint({ kty: "RSA", n: jwk.n!, e: jwk.e! }, "sha256"));
    assert.deepEqual(keys.publicJwk, { kty: "RSA", n: jwk.n, e: jwk.e, kid: keys.kid, alg: "RS256", use: "sig" });
    for (const field of ["d", "p", "q", "dp", "dq", "qi"]) assert.ok(!(field in keys.publicJwk), field);
  });

  it("accepts PEMs with literal \\n escapes and surrounding quotes", async () => {
    const escaped = a.pkcs1Private.trim().replace(/\n/g, "\\n");
    const keys = await loadSigningKeys({ ...base(), privatePem: escaped, publicPem: `"${a.spkiPublic.trim().replace(/\n/g, "\\n")}"` });
    const ref = await loadSigningKeys({ ...base(), privatePem: a.pkcs1Private });
    assert.equal(keys.kid, ref.kid);
  });

  it("refuses a public key of another pair", async () => {
    const msg = await loadError({ privatePem: a.pkcs8Private, publicPem: b.spkiPublic });
    assert.match(msg, /JWT_PUBLIC_PEM does not match JWT_PRIVATE_PEM/);
  });

  it("names the variable when a PEM is bad", async () => {
    assert.match(
      await loadError({ privatePem: "not a pem" }),
      /^JWT_PRIVATE_PEM is not a valid RSA private key \(PKCS#1 or PKCS#8 PEM\): no "-----BEGIN/,
    );
    assert.match(
      await loadError({ privatePem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }),
      /^JWT_PRIVATE_PEM is not a valid RSA private key \(PKCS#1 or PKCS#8 PEM\): .+/,
    );
    // a public key in the private variable
    assert.match(
      await loadError({ privatePem: a.spkiPublic }),
      /^JWT_PRIVATE_PEM is not a valid RSA private key .*: it holds a public key or certificate/,
    );
    assert.match(
      await loadError({ privatePem: a.pkcs8Private, publicPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }),
      /^JWT_PUBLIC_PEM is not a valid RSA public key \(PKCS#1 or SPKI PEM\): .+/,
    );
    assert.match(
      await loadError({ privatePem: a.pkcs8Private, publicPem: a.pkcs8Private }),
      /^JWT_PUBLIC_PEM is not a valid RSA public key .*private key/,
    );
  });

  it("errors never contain key material", async () => {
    const body = a.pkcs8Private.split("\n")[1]!;
    const msg = await loadError({ privatePem: a.pkcs8Private, publicPem: b.spkiPublic });
    assert.ok(!msg.includes(body));
    const broken = a.pkcs8Private.replace(body, body.slice(0, 20) + "!!" + body.slice(22));
    assert.ok(!(await loadError({ privatePem: broken })).includes(body.slice(0, 20)));
  });

  it("refuses encrypted private keys", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const encrypted = privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" })
      .toString();
    assert.match(await loadError({ privatePem: encrypted }), /^JWT_PRIVATE_PEM is an encrypted private key; encrypted keys are not supported/);
    const legacy = privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" }).toString();
    assert.match(await loadError({ privatePem: legacy }), /encrypted keys are not supported/);
  });

  it("refuses RSA keys under 2048 bits and non-RSA keys", async () => {
    const small = rsaPems(1024);
    assert.match(await loadError({ privatePem: small.pkcs8Private }), /JWT_PRIVATE_PEM .*1024 bits, at least 2048/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    assert.match(await loadError({ privatePem: ec }), /JWT_PRIVATE_PEM .*ec key, RS256 needs RSA/);
  });

  it("refuses a public key without the private key", async () => {
    assert.match(await loadError({ publicPem: a.spkiPublic }), /JWT_PUBLIC_PEM is set but JWT_PRIVATE_PEM is not/);
  });

  it("in production, missing keys are an error naming both variables and how to make keys", async () => {
    const msg = await loadError({ privatePem: "  " });
    assert.match(msg, /JWT_PRIVATE_PEM/);
    assert.match(msg, /JWT_PUBLIC_PEM/);
    assert.match(msg, /openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out jwt-private\.pem/);
    assert.match(msg, /openssl pkey -in jwt-private\.pem -pubout -out jwt-public\.pem/);
  });

  it("outside production, generates a dev key once (mode 0600) and reuses it", async () => {
    const devKeyDir = join(dir, "dev", "nested");
    const captured = captureLog();
    const first = await loadSigningKeys({ production: false, devKeyDir, log: captured.log });
    assert.equal(first.source, "dev");
    assert.equal(first.privateKey.asymmetricKeyDetails?.modulusLength, 3072);
    const file = join(devKeyDir, DEV_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const [warning, ...more] = captured.entries();
    assert.equal(more.length, 0, "one line");
    assert.equal(warning!["level"], "warn", "a warning");
    assert.equal(warning!["keyFile"], file);
    const text = JSON.stringify(warning);
    assert.match(text, /DEVELOPMENT key/);
    assert.match(text, /JWT_PRIVATE_PEM/);
    assert.match(text, /generated now/);
    const pem = await readFile(file, "utf8");
    const secretLine = pem.split("\n")[1]!;
    assert.ok(!text.includes(secretLine), "the warning never contains key material");

    const again = captureLog();
    const second = await loadSigningKeys({ production: false, devKeyDir, log: again.log });
    assert.equal(second.kid, first.kid, "same key on the next start");
    assert.equal(await readFile(file, "utf8"), pem, "file not rewritten");
    assert.match(again.messages().join("\n"), /loaded from/);
  });

  it("env keys win over a dev key and do not touch devKeyDir", async () => {
    const devKeyDir = join(dir, "never-created");
    const silent = captureLog();
    const keys = await loadSigningKeys({ production: false, devKeyDir, privatePem: a.pkcs8Private, log: silent.log });
    assert.deepEqual(silent.entries(), [], "no warning");
    assert.equal(keys.source, "env");
    await assert.rejects(stat(devKeyDir), { code: "ENOENT" });
  });
});
