import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { registerTaskChangeCommand } from "./task-change-command.js";

/**
 * `tstasks retry ID`: runs a FAILURE or REVOKED task again as a new
 * attempt. Prints `<id> PENDING` (json: the task). Retrying an unfinished
 * or successful task is the server's "failed precondition": exit 4.
 * `tstasks retry --status FAILURE --created-after T …` (no id) retries every
 * matching FAILURE or REVOKED task (`retryMany`) and prints `matched N, retried N, skipped N`.
 */
export function registerRetry(program: Command, env: CommandEnv): void {
  registerTaskChangeCommand(program, env, {
    name: "retry",
    description: "run a failed or cancelled task again",
    change: (client, id) => client.retry(id),
    changeMany: async (client, filter) => ({ ...(await client.retryMany(filter)) }),
    changedKey: "retried",
  });
}
