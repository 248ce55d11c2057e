import type { Readable, Writable } from "node:stream";

/** Standard input as {@link readPassword} needs it: a terminal has isTTY and setRawMode. */
export type PasswordInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * No usable password: nothing or an empty line on standard input, two
 * terminal entries that differ, or Ctrl-C at the prompt. The message says
 * which, in words for the person at the terminal.
 */
export class PasswordInputError extends Error {
  override name = "PasswordInputError";
}

/** Options of {@link readPassword}. */
export interface ReadPasswordOptions {
  input: PasswordInput;
  /** Where prompts go (standard error, so standard output stays clean). */
  prompt: Writable;
  /** Whose password, for the prompt. */
  userName: string;
  /**
   * "new" (default): a password being set, asked twice on a terminal (the
   * two must match); "existing": a password to log in with, asked once.
   */
  purpose?: "new" | "existing";
  /** The command to show in the hint when standard input is empty; default a generic `...`. */
  command?: string;
}

/** Longest first line accepted from a pipe; anything longer is surely not a password. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Reads a password from `input`, never from argv (which every local user
 * can read with ps, and which lands in shell history):
 * - a terminal: prompts on `prompt` with echo off (twice for a new password);
 * - otherwise (a pipe, a file): the first line, without its line ending
 *   (`\n` or `\r\n`); the rest of the input is not read.
 *
 * Used by `tstasks token`. The server's `npm run users` has its own reader
 * (server/users-cli/read-new-password.ts): the client is a package of its
 * own, and the server does not import its files.
 * @throws PasswordInputError when there is no input, the password is empty,
 *   the two entries differ, or the terminal user pressed Ctrl-C.
 */
export async function readPassword(options: ReadPasswordOptions): Promise<string> {
  const { input, prompt, userName } = options;
  const isNew = (options.purpose ?? "new") === "new";
  if (input.isTTY && input.setRawMode) {
    const first = await readHiddenLine(input, prompt, isNew ? `New password for ${userName}: ` : `Password for ${userName}: `);
    if (first === "") throw new PasswordInputError("the password is empty");
    if (!isNew) return first;
    const second = await readHiddenLine(input, prompt, "Repeat it: ");
    if (second !== first) throw new PasswordInputError("the two passwords differ; nothing was changed");
    return first;
  }
  const line = await readFirstLine(input);
  if (line === undefined) {
    throw new PasswordInputError(
      `no password on standard input: pipe it in (echo "$PASSWORD" | ${options.command ?? "..."}) or run in a terminal`,
    );
  }
  if (line === "") throw new PasswordInputError("the password is empty (the first line of standard input)");
  return line;
}

/** The first line of `input` without its line ending; undefined when the input is empty. */
async function readFirstLine(input: Readable): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream: the rest is not needed.
  for await (const chunk of input) {
    const buf: Buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const end = buf.indexOf(0x0a);
    chunks.push(end >= 0 ? buf.subarray(0, end) : buf);
    size += buf.length;
    if (end >= 0) return withoutCr(Buffer.concat(chunks).toString("utf8"));
    if (size > MAX_LINE_BYTES) throw new PasswordInputError("the first line of standard input is too long for a password");
  }
  return size === 0 ? undefined : withoutCr(Buffer.concat(chunks).toString("utf8"));
}

function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * One line typed at a terminal with echo off (raw mode, so the terminal
 * shows nothing). Enter ends it; Backspace and Ctrl-U edit; Ctrl-C cancels;
 * Ctrl-D on an empty line counts as an empty entry.
 */
function readHiddenLine(input: PasswordInput, prompt: Writable, text: string): Promise<string> {
  prompt.write(text);
  input.setRawMode?.(true);
  input.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = () => {
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
      prompt.write("\n");
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === "\r" || ch === "\n" || (ch === "\u0004" && value === "")) {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new PasswordInputError("cancelled"));
          return;
        }
        if (ch === "\u007f" || ch === "\b") value = Array.from(value).slice(0, -1).join("");
        else if (ch === "\u0015") value = "";
        // An escape sequence (arrow keys …) arrives as one chunk: drop the rest of it.
        else if (ch === "\u001b") break;
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}
