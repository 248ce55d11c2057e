import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateJwkThumbprint } from "jose";
import type { JWK } from "jose";
import { defaultLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";

/** Env variable names, used in every error so the operator knows what to fix. */
export const PRIVATE_PEM_VAR = "JWT_PRIVATE_PEM";
/** See PRIVATE_PEM_VAR. */
export const PUBLIC_PEM_VAR = "JWT_PUBLIC_PEM";
/** File name of the generated development key inside `devKeyDir`. */
export const DEV_KEY_FILE = "dev-jwt-private.pem";
/** Smallest RSA modulus accepted (RFC 7518 §3.3 requires 2048 for RS256). */
export const MIN_RSA_BITS = 2048;
/** Modulus size of generated development keys. */
export const DEV_RSA_BITS = 3072;

/** The RS256 key pair the token service signs and verifies with. */
export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key; goes into every token header. */
  kid: string;
  /** The public key as a JWK with `kid`, `alg: "RS256"`, `use: "sig"` (what the JWKS endpoint serves). */
  publicJwk: JWK;
  /** "env": from JWT_PRIVATE_PEM/JWT_PUBLIC_PEM; "dev": generated development key from `devKeyDir`. */
  source: "env" | "dev";
}

/** Inputs of loadSigningKeys. */
export interface LoadSigningKeysOptions {
  /** Value of JWT_PRIVATE_PEM (PKCS#1 or PKCS#8 PEM, unencrypted; literal "\n" escapes allowed). */
  privatePem?: string;
  /** Value of JWT_PUBLIC_PEM (PKCS#1 or SPKI PEM). Optional: derived from the private key when absent. */
  publicPem?: string;
  /** When true, missing keys are an error instead of generating development keys. */
  production: boolean;
  /** Folder for the generated development key (created if needed). */
  devKeyDir: string;
  /** Where the development-key warning goes (warn). Default: the process's root logger. Never receives key material. */
  log?: Logger;
}

const GENERATE_HINT =
  "generate a pair with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out jwt-private.pem " +
  "&& openssl pkey -in jwt-private.pem -pubout -out jwt-public.pem";

/**
 * Loads the JWT signing keys.
 *
 * - JWT_PRIVATE_PEM set: it must be an unencrypted RSA private key of at least 2048 bits
 *   (PKCS#1 "BEGIN RSA PRIVATE KEY" or PKCS#8 "BEGIN PRIVATE KEY"); JWT_PUBLIC_PEM, when also
 *   set, must be the matching public key (PKCS#1 or SPKI), otherwise it is derived.
 * - Only JWT_PUBLIC_PEM set: error (the server signs tokens, so it needs the private key).
 * - Neither set and `production`: error naming both variables and how to generate keys.
 * - Neither set otherwise: generates an RSA 3072 key once into `devKeyDir/dev-jwt-private.pem`
 *   (mode 0600), reuses it on later starts, and logs a loud warning.
 *
 * PEMs whose newlines were written as literal `\n` (env files) are accepted. Empty strings count
 * as unset. Errors name the variable and the reason and never include key material.
 */
export async function loadSigningKeys(options: LoadSigningKeysOptions): Promise<SigningKeys> {
  const log = options.log ?? defaultLogger().child({ component: "auth" });
  const privatePem = normalizePem(options.privatePem);
  const publicPem = normalizePem(options.publicPem);

  if (privatePem !== undefined) {
    const privateKey = parsePrivateKey(privatePem, PRIVATE_PEM_VAR);
    const derived = createPublicKey(privateKey);
    if (publicPem !== undefined) {
      const given = parsePublicKey(publicPem, PUBLIC_PEM_VAR);
      if (!sameRsaKey(given, derived)) {
        throw new Error(`${PUBLIC_PEM_VAR} does not match ${PRIVATE_PEM_VAR}: it is the public key of another key pair`);
      }
    }
    return assemble(privateKey, derived, "env");
  }
  if (publicPem !== undefined) {
    throw new Error(
      `${PUBLIC_PEM_VAR} is set but ${PRIVATE_PEM_VAR} is not: the server signs tokens and needs the private key ` +
        `(the public key is derived from it)`,
    );
  }
  if (options.production) {
    throw new Error(
      `JWT keys are required in production: set ${PRIVATE_PEM_VAR} (and optionally ${PUBLIC_PEM_VAR}) to PEM text; ` +
        GENERATE_HINT,
    );
  }
  const { privateKey, path, created } = await loadOrCreateDevKey(options.devKeyDir);
  warnDevKeys(log, path, created);
  return assemble(privateKey, createPublicKey(privateKey), "dev");
}

/** Trims, drops surrounding quotes and turns literal "\n" into newlines; undefined for blank input. */
function normalizePem(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let pem = text.trim();
  if (pem === "") return undefined;
  // Some env loaders keep the quotes around a value.
  if (pem.length >= 2 && (pem[0] === '"' || pem[0] === "'") && pem.at(-1) === pem[0]) pem = pem.slice(1, -1).trim();
  // Env files often hold the PEM on one line with "\n" escapes (and sometimes "\r\n").
  pem = pem.replace(/\\r\\n|\\n|\\r/g, "\n").replace(/\r\n/g, "\n");
  return pem + "\n";
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]+-----/;

function reason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const msg = typeof err?.message === "string" ? err.message : String(e);
  return typeof err?.code === "string" ? `${msg} (${err.code})` : msg;
}

function parsePrivateKey(pem: string, variable: string): KeyObject {
  const what = `${variable} is not a valid RSA private key (PKCS#1 or PKCS#8 PEM)`;
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new Error(
      `${variable} is an encrypted private key; encrypted keys are not supported. ` +
        `Decrypt it first: openssl pkey -in encrypted.pem -out jwt-private.pem`,
    );
  }
  // OpenSSL's own reasons ("DECODER routines::unsupported") do not say what is wrong; name the usual mistakes.
  if (!PEM_BEGIN.test(pem)) throw new Error(`${what}: no "-----BEGIN ...-----" line found`);
  if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new Error(`${what}: it holds a public key or certificate, not a private key`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (e) {
    if ((e as { code?: unknown })?.code === "ERR_MISSING_PASSPHRASE") {
      throw new Error(`${variable} is an encrypted private key; encrypted keys are not supported`);
    }
    throw new Error(`${what}: ${reason(e)}`);
  }
  checkRsa(key, what);
  return key;
}

function parsePublicKey(pem: string, variable: string): KeyObject {
  const what = `${variable} is not a valid RSA public key (PKCS#1 or SPKI PEM)`;
  // createPublicKey would happily derive a public key from a private one; a private key in the
  // "public" variable is a leak waiting to happen, so refuse it.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${what}: it holds a private key`);
  }
  if (!PEM_BEGIN.test(pem)) throw new Error(`${what}: no "-----BEGIN ...-----" line found`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (e) {
    throw new Error(`${what}: ${reason(e)}`);
  }
  checkRsa(key, what);
  return key;
}

function checkRsa(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error(`${what}: it is a ${key.asymmetricKeyType ?? "non-RSA"} key, RS256 needs RSA`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new Error(`${what}: it has ${bits} bits, at least ${MIN_RSA_BITS} are required (3072 recommended)`);
  }
}

function sameRsaKey(a: KeyObject, b: KeyObject): boolean {
  const ja = a.export({ format: "jwk" });
  const jb = b.export({ format: "jwk" });
  return ja.n === jb.n && ja.e === jb.e;
}

async function assemble(privateKey: KeyObject, publicKey: KeyObject, source: SigningKeys["source"]): Promise<SigningKeys> {
  const { kty, n, e } = publicKey.export({ format: "jwk" });
  const base: JWK = { kty: kty ?? "RSA", n: n ?? "", e: e ?? "" };
  const kid = await calculateJwkThumbprint(base, "sha256");
  return { privateKey, publicKey, kid, publicJwk: { ...base, kid, alg: "RS256", use: "sig" }, source };
}

async function loadOrCreateDevKey(dir: string): Promise<{ privateKey: KeyObject; path: string; created: boolean }> {
  const path = join(dir, DEV_KEY_FILE);
  const existing = await readIfExists(path);
  if (existing !== undefined) return { privateKey: parsePrivateKey(existing, path), path, created: false };

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: DEV_RSA_BITS });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  try {
    // "wx": never overwrite; if another process won the race, use its key so both agree.
    await writeFile(path, pem, { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as { code?: unknown })?.code !== "EEXIST") throw e;
    const raced = await readFile(path, "utf8");
    return { privateKey: parsePrivateKey(raced, path), path, created: false };
  }
  return { privateKey, path, created: true };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as { code?: unknown })?.code === "ENOENT") return undefined;
    throw e;
  }
}

/** One warning line (a warning, so it stands out in pretty output and in a log collector alike). */
function warnDevKeys(log: Logger, path: string, created: boolean): void {
  log.warn(
    { keyFile: path, created },
    `${PRIVATE_PEM_VAR} is not set, so tokens are signed with a DEVELOPMENT key ` +
      `${created ? "generated now and saved to" : "loaded from"} ${path}. ` +
      "Anyone who can read that file can mint tokens: do NOT use this in production. " +
      `Set real keys: ${PRIVATE_PEM_VAR} (and optionally ${PUBLIC_PEM_VAR}) to PEM text; ${GENERATE_HINT}`,
  );
}
