import type { Writable } from "node:stream";
import { MAX_PASSWORD_BYTES, hashPassword } from "../auth/password-hash.js";
import { ConfigError, loadConfig } from "../../core/config/env-config.js";
import { MigrationError } from "../../core/store/postgres/migrate-to-latest.js";
import { UserExistsError } from "../../core/store/users/user-errors.js";
import type { UserStore } from "../../core/store/users/user-store.js";
import { CliError, UsageError } from "./cli-errors.js";
import { formatUserTable, toListedUser } from "./format-users.js";
import { openUserDatabase } from "./open-user-database.js";
import { parseUsersCommand } from "./parse-users-command.js";
import type { UsersCommand } from "./parse-users-command.js";
import { PasswordInputError, readNewPassword, type PasswordInput } from "./read-new-password.js";
import { USAGE } from "./usage.js";

/** Where `npm run users` reads and writes; the process's own streams in main.ts. */
export interface UsersCliIo {
  stdin: PasswordInput;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs one `npm run users` command and returns its exit status: 0 done,
 * 2 wrong usage (message and usage on stderr), 1 an expected failure (one
 * line on stderr). Unexpected errors are thrown.
 */
export async function runUsersCli(argv: readonly string[], io: UsersCliIo): Promise<number> {
  let command: UsersCommand;
  try {
    command = parseUsersCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`users: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === "help") {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const database = await openUserDatabase(loadConfig(io.env));
    try {
      await execute(command, database.users, io);
    } finally {
      await database.close();
    }
    return 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof PasswordInputError || err instanceof ConfigError || err instanceof MigrationError || err instanceof UserExistsError) {
      io.stderr.write(`users: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function execute(command: Exclude<UsersCommand, { kind: "help" }>, users: UserStore, io: UsersCliIo): Promise<void> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  switch (command.kind) {
    case "add": {
      const { name } = command;
      // Checked before asking, so nobody types a password twice for nothing.
      if (await users.getUser(name)) throw new CliError(`user "${name}" exists already`);
      const passwordHash = await hashNewPassword(await readNewPassword({ input: io.stdin, prompt: io.stderr, userName: name, command: `npm run users -- ${command.kind} ${name}` }));
      await users.createUser({
        name,
        passwordHash,
        allowedTasks: Object.fromEntries(command.allow.map((t) => [t, true])),
        roles: command.roles,
      });
      say(`added user "${name}" (roles: ${command.roles.join(",") || "-"}; allowed tasks: ${command.allow.join(",") || "-"})`);
      return;
    }
    case "list": {
      const listed = (await users.listUsers()).map(toListedUser);
      if (command.json) say(JSON.stringify(listed, null, 2));
      else if (listed.length === 0) say("no users");
      else say(formatUserTable(listed));
      return;
    }
    case "remove": {
      if (!(await users.deleteUser(command.name))) throw unknownUser(command.name);
      say(`removed user "${command.name}"`);
      return;
    }
    case "passwd": {
      const { name } = command;
      if (!(await users.getUser(name))) throw unknownUser(name);
      const passwordHash = await hashNewPassword(await readNewPassword({ input: io.stdin, prompt: io.stderr, userName: name, command: `npm run users -- ${command.kind} ${name}` }));
      if (!(await users.updateUser(name, { passwordHash }))) throw unknownUser(name);
      say(`changed the password of "${name}"`);
      return;
    }
    case "allow":
    case "deny": {
      const { name, types } = command;
      // Read, change, write: two admins editing one user at the same moment
      // could lose an edit; acceptable for a hand-run tool.
      const user = await users.getUser(name);
      if (!user) throw unknownUser(name);
      const allowedTasks = { ...user.allowedTasks };
      for (const t of types) {
        if (command.kind === "allow") allowedTasks[t] = true;
        else delete allowedTasks[t];
      }
      if (!(await users.updateUser(name, { allowedTasks }))) throw unknownUser(name);
      const now = toListedUser({ ...user, allowedTasks }).allowedTasks;
      say(`"${name}" may now submit: ${now.join(",") || "no protected task types"}`);
      return;
    }
  }
}

/** hashPassword, with its one user-caused refusal (too long) as a CliError. */
async function hashNewPassword(password: string): Promise<string> {
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new CliError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  return hashPassword(password);
}

function unknownUser(name: string): CliError {
  return new CliError(`no user "${name}"`);
}
