import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { registerTaskChangeCommand } from "./task-change-command.js";

/**
 * `tstasks cancel ID`: revokes an unfinished task (a running one has its
 * signal aborted). Prints `<id> REVOKED` (json: the task). A finished task
 * cannot be cancelled: the server's "failed precondition" is exit 4.
 * `tstasks cancel --type T --status PENDING …` (no id) cancels every
 * matching task (`cancelMany`) and prints `matched N, cancelled N, skipped N`.
 */
export function registerCancel(program: Command, env: CommandEnv): void {
  registerTaskChangeCommand(program, env, {
    name: "cancel",
    description: "cancel (revoke) an unfinished task",
    change: (client, id) => client.cancel(id),
    changeMany: async (client, filter) => ({ ...(await client.cancelMany(filter)) }),
    changedKey: "cancelled",
  });
}
