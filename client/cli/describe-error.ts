import { argumentErrors, Code, ConnectError } from "../index.js";
import { CliError } from "./cli-error.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { PasswordInputError } from "./read-password.js";

/** How a failed command ends: the exit status and the one line for standard error (without `tstasks: `). */
export interface ExitReport {
  code: ExitCodeValue;
  message: string;
}

/** What {@link describeError} may mention to make a message actionable. */
export interface ErrorContext {
  /** The server the command talked to. */
  url: string;
}

/** Socket errors (anywhere in the cause chain) that mean the server could not be reached. */
const NET_DOWN = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * Maps an error a command threw to its exit status and message:
 * CliError → its own; no password → usage (2); Connect NotFound → 3,
 * Unavailable (or a socket error such as ECONNREFUSED) → 5, any other
 * Connect code → 4. Returns undefined for anything else (a bug: the caller
 * shows it whole).
 */
export function describeError(err: unknown, context: ErrorContext): ExitReport | undefined {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  if (err instanceof PasswordInputError) return { code: ExitCode.USAGE, message: err.message };
  if (err instanceof ConnectError) {
    const words = codeWords(err.code);
    if (err.code === Code.NotFound) return { code: ExitCode.NOT_FOUND, message: `${words}: ${err.rawMessage}` };
    if (err.code === Code.Unavailable || hasNetworkCause(err)) {
      return { code: ExitCode.UNAVAILABLE, message: `unavailable: ${err.rawMessage} (is the server at ${context.url} running?)` };
    }
    let message = `${words}: ${err.rawMessage}${argumentProblems(err)}`;
    if (err.code === Code.Unauthenticated) {
      message += " (pass --token or set TSTASKS_TOKEN; get a token with: tstasks token --user NAME)";
    }
    return { code: ExitCode.API_ERROR, message };
  }
  if (hasNetworkCause(err)) {
    return { code: ExitCode.UNAVAILABLE, message: `unavailable: cannot reach ${context.url} (${(err as Error).message})` };
  }
  return undefined;
}

/** `Code.NotFound` → "not found", `Code.PermissionDenied` → "permission denied". */
function codeWords(code: Code): string {
  const name = Code[code] ?? `code ${code}`;
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/** The server's per-argument problems of an invalid argument error, as ` (x: must be integer; y: is required)`; "" when none. */
function argumentProblems(err: ConnectError): string {
  const parts = Object.entries(argumentErrors(err)).map(([k, v]) => `${k}: ${v}`);
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

function hasNetworkCause(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NET_DOWN.has(code)) return true;
  }
  return false;
}
