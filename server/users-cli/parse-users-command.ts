import { parseArgs } from "node:util";
import { isValidUserName } from "../../core/store/users/user-record.js";
import { UsageError } from "./cli-errors.js";

/** One `npm run users` invocation, parsed and checked. */
export type UsersCommand =
  | { kind: "help" }
  | { kind: "add"; name: string; allow: string[]; roles: string[] }
  | { kind: "list"; json: boolean }
  | { kind: "remove"; name: string }
  | { kind: "passwd"; name: string }
  | { kind: "allow" | "deny"; name: string; types: string[] };

/** Task types and roles: one word of printable characters, short enough to show in a list. */
const WORD = /^[^\s\p{Cc}]{1,200}$/u;

/**
 * Parses the arguments after `npm run users --` with node's parseArgs
 * (strict: an unknown option is an error). There is deliberately no option
 * that carries a password: argv is visible to every local user (ps) and
 * lands in shell history.
 * @throws UsageError naming what is wrong.
 */
export function parseUsersCommand(argv: readonly string[]): UsersCommand {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError("a command is missing");
  if (sub === "help" || sub === "--help" || sub === "-h") return { kind: "help" };
  switch (sub) {
    case "add": {
      const { values, positionals } = parse(rest, {
        allow: { type: "string", multiple: true },
        role: { type: "string", multiple: true },
      });
      if (values.help) return { kind: "help" };
      const [name] = expectPositionals(sub, positionals, 1, 1);
      const allow = checkWords("task type", asStrings(values.allow));
      const roles = checkWords("role", asStrings(values.role));
      return { kind: "add", name: checkName(name), allow: unique(allow), roles: unique(roles) };
    }
    case "list": {
      const { values, positionals } = parse(rest, { json: { type: "boolean" } });
      if (values.help) return { kind: "help" };
      expectPositionals(sub, positionals, 0, 0);
      return { kind: "list", json: values.json === true };
    }
    case "remove":
    case "passwd": {
      const { values, positionals } = parse(rest, {});
      if (values.help) return { kind: "help" };
      const [name] = expectPositionals(sub, positionals, 1, 1);
      return { kind: sub, name: checkName(name) };
    }
    case "allow":
    case "deny": {
      const { values, positionals } = parse(rest, {});
      if (values.help) return { kind: "help" };
      const [name, ...types] = expectPositionals(sub, positionals, 2, Infinity);
      return { kind: sub, name: checkName(name), types: unique(checkWords("task type", types)) };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(sub)}`);
  }
}

type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

/** parseArgs with --help added; its errors become UsageErrors. */
function parse(args: string[], options: OptionSpec): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) throw new UsageError(`unknown option ${unknown[1]}`);
    // parseArgs' other messages name the option and say what is wrong with it.
    throw new UsageError(message.split("\n")[0]!);
  }
}

function expectPositionals(sub: string, positionals: string[], min: number, max: number): string[] {
  if (positionals.length < min) {
    throw new UsageError(`${sub}: ${min === 1 ? "a user name is" : "a user name and at least one task type are"} missing`);
  }
  if (positionals.length > max) {
    throw new UsageError(`${sub}: unexpected argument ${JSON.stringify(positionals[max])}`);
  }
  return positionals;
}

function asStrings(value: string | boolean | (string | boolean)[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function checkName(name: string | undefined): string {
  if (name === undefined || !isValidUserName(name)) {
    throw new UsageError(
      `invalid user name ${JSON.stringify(name ?? "")}: use 1 to 64 letters, digits, ".", "_", "-" or "@"`,
    );
  }
  return name;
}

function checkWords(what: string, words: string[]): string[] {
  for (const w of words) {
    if (!WORD.test(w)) throw new UsageError(`invalid ${what} ${JSON.stringify(w)}: one word, at most 200 characters`);
  }
  return words;
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}
