import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_PASSWORD_BYTES, SCRYPT_PARAMS, hashPassword, verifyAgainstDummy, verifyPassword } from "./password-hash.js";

describe("password hashing", () => {
  it("hashes to a self-describing scrypt string with a random salt", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    const { N, r, p } = SCRYPT_PARAMS;
    assert.match(a, new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9+/]+=*\\$[A-Za-z0-9+/]+=*$`));
    assert.equal(Buffer.from(a.split("$")[4]!, "base64").length, 16);
    assert.notEqual(a, b, "salts differ");
    assert.ok(!a.includes("correct horse"));
  });

  it("verifies the right password only", async () => {
    const stored = await hashPassword("correct horse");
    assert.equal(await verifyPassword("correct horse", stored), true);
    assert.equal(await verifyPassword("correct horsE", stored), false);
    assert.equal(await verifyPassword("correct horse ", stored), false);
    assert.equal(await verifyPassword("", stored), false);
    assert.equal(await verifyPassword("x".repeat(MAX_PASSWORD_BYTES + 1), stored), false);
  });

  it("treats NFC and NFD spellings as the same password", async () => {
    const stored = await hashPassword("caf\u00e9");
    assert.equal(await verifyPassword("cafe\u0301", stored), true);
  });

  it("reads the parameters from the stored string", async () => {
    // a hash made with other (cheaper) parameters still verifies
    const { scryptSync, randomBytes } = await import("node:crypto");
    const salt = randomBytes(16);
    const hash = scryptSync("pw", salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString("base64")}$${hash.toString("base64")}`;
    assert.equal(await verifyPassword("pw", stored), true);
    assert.equal(await verifyPassword("pw2", stored), false);
  });

  it("rejects empty and over-long passwords when hashing", async () => {
    await assert.rejects(hashPassword(""), /must not be empty/);
    await assert.rejects(hashPassword("é".repeat(513)), /at most 1024 bytes/); // 1026 bytes, 513 chars
    assert.match(await hashPassword("x".repeat(MAX_PASSWORD_BYTES)), /^scrypt\$/);
  });

  it("refuses malformed or abusive stored strings", async () => {
    const good = await hashPassword("pw");
    const [, , , , salt, hash] = good.split("$");
    for (const stored of [
      "",
      "bcrypt$2b$10$abc",
      "scrypt$32768$8$1$onlyfive",
      `scrypt$1000$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${hash}`, // N too large
      `scrypt$32768$64$1$${salt}$${hash}`,
      `scrypt$32768$8$1$$${hash}`,
    ]) {
      await assert.rejects(verifyPassword("pw", stored), /stored password hash is malformed/, stored);
    }
  });

  it("the dummy check always answers false", async () => {
    assert.equal(await verifyAgainstDummy("correct horse"), false);
    assert.equal(await verifyAgainstDummy(""), false);
    assert.equal(await verifyAgainstDummy("x".repeat(5000)), false);
  });
});
