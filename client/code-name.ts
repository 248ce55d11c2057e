import { Code } from "@connectrpc/connect";

/**
 * The Connect code of its snake_case wire name (`"invalid_argument"` →
 * `Code.InvalidArgument`), as the server writes it in REST error bodies and
 * in the per-task errors of a batch submit. `Code.Unknown` for a name that is
 * no code (a newer server's, or garbage), so callers always get a code.
 */
export function codeFromName(name: string): Code {
  const pascal = name
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
  const code: unknown = (Code as unknown as Record<string, unknown>)[pascal];
  return typeof code === "number" && /^[a-z]+(_[a-z]+)*$/.test(name) ? (code as Code) : Code.Unknown;
}

/** The snake_case wire name of a Connect code (`Code.NotFound` → `"not_found"`); `"unknown"` for a number that is no code. */
export function codeName(code: Code): string {
  const name: unknown = Code[code];
  return typeof name === "string" ? name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase() : "unknown";
}
