import { Option, type Command } from "commander";
import type { TasksClient } from "../index.js";
import { parseServerUrl } from "./option-parsers.js";

/** The server used when neither --url nor TSTASKS_URL says otherwise. */
export const DEFAULT_URL = "http://127.0.0.1:8080";

/** Options every command takes (they may come before or after the command name). */
export interface GlobalOptions {
  /** `--url`, else TSTASKS_URL, else {@link DEFAULT_URL}. */
  url: string;
  /** `--token`, else TSTASKS_TOKEN; undefined: anonymous calls. */
  token?: string;
  /** `--output`: "text" (default) for people, "json" for scripts. */
  output: "text" | "json";
}

/** Adds --url, --token and --output to the program (commander hands them to every subcommand). */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option("--url <url>", "the tstasks server").env("TSTASKS_URL").default(DEFAULT_URL).argParser(parseServerUrl),
    )
    .addOption(
      new Option("--token <jwt>", "bearer token (prefer the variable: argv is visible to other local users)").env("TSTASKS_TOKEN"),
    )
    .addOption(new Option("-o, --output <format>", "text for people, json for scripts").choices(["text", "json"]).default("text"));
}

/** The global options as a command's action sees them. */
export function globalOptions(command: Command): GlobalOptions {
  const o = command.optsWithGlobals<{ url: string; token?: string; output: "text" | "json" }>();
  // An empty TSTASKS_TOKEN means "no token", not an empty bearer.
  return { url: o.url, token: o.token === "" ? undefined : o.token, output: o.output };
}

/**
 * A client for the command's --url and --token (the client's defaults for
 * timeouts and retries). The client and its transports are loaded here,
 * on first use, so that --help and usage errors answer at once.
 */
export async function clientFor(options: GlobalOptions): Promise<TasksClient> {
  const { createTasksClient } = await import("../index.js");
  return createTasksClient({ baseUrl: options.url, token: options.token });
}
