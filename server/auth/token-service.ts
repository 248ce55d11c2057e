import { SignJWT, createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import type { JWK, JWTPayload, JWTVerifyGetKey } from "jose";
import { UnauthenticatedError } from "./auth-errors.js";
import type { Principal } from "./principal.js";
import type { SigningKeys } from "./signing-keys.js";

/** The only accepted signature algorithm (pytasks used RS256 too). */
export const TOKEN_ALG = "RS256";
/** Default `iss` and `aud` of tokens this server issues. */
export const DEFAULT_TOKEN_ISSUER = "tstasks";
/** See DEFAULT_TOKEN_ISSUER. */
export const DEFAULT_TOKEN_AUDIENCE = "tstasks";
/** Shortest allowed token lifetime in seconds. */
export const MIN_EXPIRE_SEC = 60;

/** A second identity provider whose tokens are accepted too (verify only). */
export interface ExternalIssuer {
  /** Its JWKS document URL (fetched and cached by jose). */
  jwksUrl: string;
  /** Its `iss`; tokens carrying this issuer are checked against `jwksUrl` only. */
  issuer: string;
  /** The `aud` its tokens must carry. */
  audience: string;
}

/** Options of createTokenService. */
export interface TokenServiceOptions {
  /** The RS256 pair from loadSigningKeys; tokens are signed with it and carry its kid. */
  keys: SigningKeys;
  /** `iss` written into and required from local tokens. Default "tstasks". */
  issuer?: string;
  /** `aud` written into and required from local tokens. Default "tstasks". */
  audience?: string;
  /** Token lifetime in seconds: a whole number ≥ 60. Tokens always expire. */
  expireSec: number;
  /** Allowed clock skew for exp/nbf/iat in seconds. Default 5. */
  clockToleranceSec?: number;
  /** Also accept tokens from this issuer, verified against its JWKS. */
  external?: ExternalIssuer;
}

/** The user data a token is issued for. */
export interface TokenSubject {
  /** User name; becomes `sub`. */
  name: string;
  /** Task type → allowed; becomes `allowed_tasks`. */
  allowedTasks: Record<string, boolean>;
  /** Role names; becomes `roles`. */
  roles: string[];
}

/** Issues and verifies the server's JWTs. */
export interface TokenService {
  /**
   * Signs an RS256 compact JWS with header `{alg:"RS256", typ:"JWT", kid}` and claims
   * `sub, iat, exp (number), iss, aud, allowed_tasks, roles`. `exp` is returned in epoch seconds.
   */
  issue(user: TokenSubject): Promise<{ token: string; exp: number }>;
  /**
   * Verifies a token (RS256 only, issuer, audience, exp/nbf/iat, required `sub` and `exp`) and
   * returns its Principal. Every failure is an UnauthenticatedError whose message says which
   * check failed (the exact messages are in TOKEN_ERRORS).
   */
  verify(token: string): Promise<Principal>;
  /** The public JWK set of the local key (serve it at /.well-known/jwks.json). */
  jwks(): { keys: JWK[] };
}

/** Exact messages of verify(), for callers and tests that want to match them. */
export const TOKEN_ERRORS = {
  expired: "token is expired",
  notYetValid: "token is not valid yet (nbf/iat in the future)",
  badSignature: "token signature is invalid",
  badIssuer: "token issuer is not accepted",
  badAudience: "token audience is not accepted",
  malformed: "token is malformed",
  noSub: "token has no sub claim",
  noExp: "token has no exp claim",
  badClaims: "token claims are malformed",
  keysUnavailable: "token could not be verified: the issuer's signing keys are unavailable",
  algorithm: (alg: string) => `token algorithm ${alg} is not allowed (RS256 only)`,
} as const;

/**
 * Creates the token service. Throws when `expireSec` is not a whole number ≥ 60, when
 * issuer/audience are empty, or when the external issuer equals the local one.
 *
 * Verification routes a token by its (unverified) `iss`: the external issuer's tokens are checked
 * against its remote JWKS and audience; all others against the local key, issuer and audience.
 * A token for one issuer can never be accepted with the other's keys.
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const issuer = options.issuer ?? DEFAULT_TOKEN_ISSUER;
  const audience = options.audience ?? DEFAULT_TOKEN_AUDIENCE;
  const { keys, expireSec, external } = options;
  const clockTolerance = options.clockToleranceSec ?? 5;
  if (!Number.isInteger(expireSec) || expireSec < MIN_EXPIRE_SEC) {
    throw new Error(`token expireSec must be a whole number of seconds ≥ ${MIN_EXPIRE_SEC}, got ${String(expireSec)}`);
  }
  if (!issuer || !audience) throw new Error("token issuer and audience must be non-empty");
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new Error("clockToleranceSec must be ≥ 0");
  if (external && external.issuer === issuer) {
    throw new Error(`external token issuer must differ from the local issuer "${issuer}"`);
  }

  const localKeys = createLocalJWKSet({ keys: [keys.publicJwk] });
  let remoteKeys: JWTVerifyGetKey | undefined;
  const remote = (): JWTVerifyGetKey => (remoteKeys ??= guardRemote(createRemoteJWKSet(new URL(external!.jwksUrl))));

  return {
    async issue(user) {
      if (typeof user.name !== "string" || user.name === "") throw new Error("token subject name must be non-empty");
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + expireSec;
      const token = await new SignJWT({
        allowed_tasks: Object.fromEntries(Object.entries(user.allowedTasks).map(([k, v]) => [k, v === true])),
        roles: [...user.roles],
      })
        .setProtectedHeader({ alg: TOKEN_ALG, typ: "JWT", kid: keys.kid })
        .setSubject(user.name)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(keys.privateKey);
      return { token, exp };
    },

    async verify(token) {
      if (typeof token !== "string" || token === "") throw new UnauthenticatedError(TOKEN_ERRORS.malformed);
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch (e) {
        throw new UnauthenticatedError(TOKEN_ERRORS.malformed, { cause: e });
      }
      // Checked here only to name the algorithm; jwtVerify enforces the same list below.
      // This is what stops "alg: none" and HS256-with-the-public-key-as-secret.
      if (alg !== TOKEN_ALG) throw new UnauthenticatedError(TOKEN_ERRORS.algorithm(String(alg)));

      const isExternal = external !== undefined && unverifiedIssuer(token) === external.issuer;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, isExternal ? remote() : localKeys, {
          algorithms: [TOKEN_ALG],
          issuer: isExternal ? external.issuer : issuer,
          audience: isExternal ? external.audience : audience,
          requiredClaims: ["sub", "exp"],
          clockTolerance,
        }));
      } catch (e) {
        throw toUnauthenticated(e);
      }
      return toPrincipal(payload, clockTolerance);
    },

    jwks() {
      return { keys: [{ ...keys.publicJwk }] };
    },
  };
}

/** Marks "could not get the issuer's keys" (network, HTTP status, bad JWKS) apart from token faults. */
class KeySetUnavailable extends Error {
  override name = "KeySetUnavailable";
}

/** Wraps a remote JWKS getter so fetch failures are told apart from "no key matches this token". */
function guardRemote(getKey: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await getKey(header, token);
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      if (code === "ERR_JWKS_NO_MATCHING_KEY" || code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw e;
      throw new KeySetUnavailable("JWKS fetch failed", { cause: e });
    }
  };
}

function unverifiedIssuer(token: string): unknown {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined; // let jwtVerify report what is wrong
  }
}

function toUnauthenticated(e: unknown): UnauthenticatedError {
  const err = e as { code?: unknown; claim?: unknown; reason?: unknown };
  const message = ((): string => {
    // Fail closed: without the issuer's keys no token of it can be accepted. The cause says why.
    if (e instanceof KeySetUnavailable) return TOKEN_ERRORS.keysUnavailable;
    switch (err?.code) {
      case "ERR_JWT_EXPIRED":
        return TOKEN_ERRORS.expired;
      case "ERR_JWT_CLAIM_VALIDATION_FAILED":
        if (err.reason === "invalid") return TOKEN_ERRORS.badClaims; // e.g. exp as a string (pytasks did that)
        if (err.claim === "nbf" || err.claim === "iat") return TOKEN_ERRORS.notYetValid;
        if (err.claim === "iss") return TOKEN_ERRORS.badIssuer;
        if (err.claim === "aud") return TOKEN_ERRORS.badAudience;
        if (err.claim === "sub") return TOKEN_ERRORS.noSub;
        if (err.claim === "exp") return TOKEN_ERRORS.noExp;
        return TOKEN_ERRORS.badClaims;
      case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      case "ERR_JWKS_NO_MATCHING_KEY": // signed by a key we do not know
        return TOKEN_ERRORS.badSignature;
      case "ERR_JOSE_ALG_NOT_ALLOWED":
        return TOKEN_ERRORS.algorithm("other than RS256");
      default:
        // ERR_JWS_INVALID, ERR_JWT_INVALID, ERR_JOSE_NOT_SUPPORTED, ERR_JWKS_MULTIPLE_MATCHING_KEYS, key TypeErrors…
        return TOKEN_ERRORS.malformed;
    }
  })();
  return new UnauthenticatedError(message, { cause: e });
}

function toPrincipal(payload: JWTPayload, clockTolerance: number): Principal {
  const now = Math.floor(Date.now() / 1000);
  // jose checks iat only with maxTokenAge; a token "issued in the future" is as suspicious as nbf.
  if (typeof payload.iat === "number" && payload.iat > now + clockTolerance) {
    throw new UnauthenticatedError(TOKEN_ERRORS.notYetValid);
  }
  const { sub, exp, iss } = payload;
  if (typeof sub !== "string" || typeof exp !== "number" || typeof iss !== "string") {
    throw new UnauthenticatedError(TOKEN_ERRORS.badClaims);
  }
  if (sub === "") throw new UnauthenticatedError(TOKEN_ERRORS.noSub);
  const allowedTasks = readAllowedTasks(payload["allowed_tasks"]);
  const roles = readRoles(payload["roles"]);
  if (allowedTasks === undefined || roles === undefined) throw new UnauthenticatedError(TOKEN_ERRORS.badClaims);
  return { sub, roles, allowedTasks, issuer: iss, expiresAt: exp, claims: { ...payload } };
}

/** Absent → {}; an object whose values are all booleans → frozen copy; anything else → undefined. */
function readAllowedTasks(value: unknown): Readonly<Record<string, boolean>> | undefined {
  if (value === undefined) return Object.freeze({});
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => typeof v === "boolean")) return undefined;
  // fromEntries defines own properties, so a "__proto__" key cannot change the prototype.
  return Object.freeze(Object.fromEntries(entries) as Record<string, boolean>);
}

/** Absent → []; an array of strings → frozen copy; anything else → undefined. */
function readRoles(value: unknown): readonly string[] | undefined {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value) || !value.every((r) => typeof r === "string")) return undefined;
  return Object.freeze([...value]);
}
