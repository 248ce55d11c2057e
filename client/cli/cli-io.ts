import type { Writable } from "node:stream";
import type { PasswordInput } from "./read-password.js";

/** An output stream; `isTTY` (a terminal) switches commands to their interactive display. */
export type CliOutput = Writable & { isTTY?: boolean; columns?: number };

/** What a `tstasks` run reads and writes: the process's own streams in main.ts, others in tests. */
export interface CliIo {
  stdin: PasswordInput;
  stdout: CliOutput;
  stderr: CliOutput;
  /** Aborted when the user presses Ctrl-C: long waits stop, the display is restored. */
  signal: AbortSignal;
}
