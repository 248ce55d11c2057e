import type { CliOutput } from "./cli-io.js";

/** Writes `value` as indented JSON and a newline (dates become ISO strings). */
export function printJson(out: CliOutput, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `text` and a newline; nothing for an empty string. */
export function printLine(out: CliOutput, text: string): void {
  if (text !== "") out.write(`${text}\n`);
}
