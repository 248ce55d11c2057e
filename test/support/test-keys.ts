import { generateKeyPairSync } from "node:crypto";
import { loadSigningKeys, type SigningKeys } from "../../server/auth/signing-keys.js";

let keys: Promise<SigningKeys> | undefined;

/** One RSA 2048 signing key pair per test process (generated in memory, never written). */
export function testSigningKeys(): Promise<SigningKeys> {
  keys ??= (() => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    return loadSigningKeys({ privatePem: pem, production: true, devKeyDir: "/nonexistent" });
  })();
  return keys;
}
