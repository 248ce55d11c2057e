import type { Command } from "commander";
import type { CommandEnv } from "../command-env.js";
import { registerTaskChangeCommand } from "./task-change-command.js";

/**
 * `tstasks cancel ID`: revokes an unfinished task (a running one has its
 * signal aborted). Prints `<id> REVOKED` (json: the task). A finished task
 * cannot be cancelled: the server's "failed precondition" is exit 4.
 */
export function registerCancel(program: Command, env: CommandEnv): void {
  registerTaskChangeCommand(program, env, {
    name: "cancel",
    description: "cancel (revoke) an unfinished task",
    change: (client, id) => client.cancel(id),
  });
}
