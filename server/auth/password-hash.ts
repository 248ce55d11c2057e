import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { BinaryLike, ScryptOptions } from "node:crypto";

/** scrypt cost parameters of new hashes: N=2^15, r=8, p=1 (~100 ms, 32 MiB here). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
/** Longest accepted password in UTF-8 bytes (bounds the work an attacker can ask for). */
export const MAX_PASSWORD_BYTES = 1024;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Upper bounds for parameters read back from stored strings: a tampered row must not make
// one login cost seconds of CPU or gigabytes of memory.
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;

function scryptAsync(password: BinaryLike, salt: Buffer, keylen: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; node's default maxmem (32 MiB) is just too small for N=2^15, r=8.
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** NFC so that the same visible password typed on different systems gives the same bytes. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize("NFC"), "utf8");
}

function acceptable(password: unknown): password is string {
  return typeof password === "string" && password !== "" && Buffer.byteLength(password, "utf8") <= MAX_PASSWORD_BYTES;
}

/**
 * Hashes a password with scrypt and a random 16-byte salt. Returns the self-describing string
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>` (so parameters can be raised later without
 * breaking stored hashes). Throws on an empty password or one longer than 1024 UTF-8 bytes.
 */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== "string" || password === "") throw new Error("password must not be empty");
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new Error(`password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(passwordBytes(password), salt, KEY_BYTES, SCRYPT_PARAMS);
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): ParsedHash {
  const parts = stored.split("$");
  const bad = () => new Error("stored password hash is malformed (expected scrypt$N$r$p$salt$hash)");
  if (parts.length !== 6 || parts[0] !== "scrypt") throw bad();
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d+$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  const salt = Buffer.from(parts[4]!, "base64");
  const hash = Buffer.from(parts[5]!, "base64");
  const powerOfTwo = N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) throw bad();
  if (salt.length < 8 || hash.length < 16) throw bad();
  return { N, r, p, salt, hash };
}

/**
 * True when `password` matches a string from hashPassword (constant-time comparison).
 * An empty or over-long password is compared anyway (against a dummy) and gives false, so the
 * answer time does not reveal why. Throws only when `stored` itself is malformed (a data bug).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!acceptable(password)) {
    await verifyAgainstDummy("x");
    return false;
  }
  const actual = await scryptAsync(passwordBytes(password), parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(actual, parsed.hash);
}

// Random salt and "hash": nothing can match it, and no hashing is needed to build it, so even the
// first unknown-user check costs exactly one scrypt, like a real check.
const DUMMY: ParsedHash = { ...SCRYPT_PARAMS, salt: randomBytes(SALT_BYTES), hash: randomBytes(KEY_BYTES) };

/**
 * Spends the same scrypt work as verifyPassword (current parameters) and always answers false.
 * Call it when the user does not exist, so "unknown user" and "wrong password" take the same time
 * and give the same answer.
 */
export async function verifyAgainstDummy(password: string): Promise<boolean> {
  const input = acceptable(password) ? passwordBytes(password) : Buffer.from("x");
  const actual = await scryptAsync(input, DUMMY.salt, DUMMY.hash.length, DUMMY);
  timingSafeEqual(actual, DUMMY.hash); // same work as a real check; the result is ignored
  return false;
}
