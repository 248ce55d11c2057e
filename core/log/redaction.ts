import { redactUrl } from "./redact-url.js";

/** What replaces a redacted value. */
export const REDACTED = "[redacted]";

/** Keys whose value is a URL that may carry a password: only the password is hidden. */
const URL_KEYS = new Set(["databaseUrl", "DATABASE_URL", "natsUrl", "NATS_URL"]);

/** Keys whose whole value is a secret. */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "password",
  "passwordHash",
  "token",
  "accessToken",
  "refreshToken",
  "privatePem",
  "jwtPrivatePem",
  "JWT_PRIVATE_PEM",
  "TSTASKS_ADMIN_PASSWORD",
  "TSTASKS_TOKEN",
];

/** Objects whose secret keys are redacted too: request headers, configurations, errors. */
const PARENTS = ["headers", "req.headers", "request.headers", "config", "env", "options", "user", "err", "err.config"];

/**
 * The paths pino redacts in every line: each secret key and URL key at the
 * top level and inside {@link PARENTS} (`headers.authorization`,
 * `req.headers.authorization`, `config.jwtPrivatePem`, `err.config.password`).
 * Explicit paths, no wildcards: pino checks explicit paths in well under a
 * microsecond a line, while one `*.key` wildcard walks every field of every
 * line (tens of microseconds). Elsewhere nothing is found; the code never
 * logs whole configurations, users or requests, so these are a safety net,
 * not a licence.
 */
export const REDACT_PATHS: readonly string[] = ["", ...PARENTS.map((p) => `${p}.`)].flatMap((prefix) =>
  [...SECRET_KEYS, ...URL_KEYS].map((key) => `${prefix}${key}`),
);

/**
 * pino's censor: a URL keeps everything but its password (an operator still
 * sees which database or NATS server was meant); anything else is replaced
 * whole by {@link REDACTED}.
 */
export function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1] ?? "";
  if (URL_KEYS.has(key) && typeof value === "string") return redactUrl(value);
  return REDACTED;
}
