import { ConfigError } from "../../core/config/env-config.js";
import { MAX_PASSWORD_BYTES, hashPassword } from "./password-hash.js";
import { UserExistsError } from "../../core/store/users/user-errors.js";
import { isValidUserName } from "../../core/store/users/user-record.js";
import type { UserStore } from "../../core/store/users/user-store.js";
import type { Logger } from "../../core/log/logger.js";

/** The environment variables {@link seedAdminFromEnv} reads; empty strings count as unset. */
export interface AdminSeedEnv {
  TSTASKS_ADMIN_USER?: string | undefined;
  TSTASKS_ADMIN_PASSWORD?: string | undefined;
}

/** What {@link seedAdminFromEnv} did. */
export type AdminSeedOutcome = "created" | "exists" | "not_configured";

/**
 * Creates the first admin from `TSTASKS_ADMIN_USER` and
 * `TSTASKS_ADMIN_PASSWORD`, so a fresh installation can be logged into
 * without running `npm run users` first.
 *
 * - both unset: does nothing ("not_configured");
 * - both set, user unknown: creates it with roles ["admin"], no allowed
 *   tasks, the password hashed with hashPassword ("created");
 * - both set, user exists (also when another process created it at the
 *   same moment): leaves it untouched, its password included ("exists") —
 *   change passwords with `npm run users -- passwd`.
 *
 * Logs one info line naming the user (field `user`); never the password.
 * @throws ConfigError when only one of the two is set, the name is invalid or the password too long.
 */
export async function seedAdminFromEnv(
  users: UserStore,
  env: AdminSeedEnv,
  log: Logger,
): Promise<AdminSeedOutcome> {
  const name = env.TSTASKS_ADMIN_USER || undefined;
  const password = env.TSTASKS_ADMIN_PASSWORD || undefined;
  if (name === undefined && password === undefined) return "not_configured";
  if (name === undefined) {
    throw new ConfigError("TSTASKS_ADMIN_PASSWORD is set but TSTASKS_ADMIN_USER is not: set both, or neither");
  }
  if (password === undefined) {
    throw new ConfigError("TSTASKS_ADMIN_USER is set but TSTASKS_ADMIN_PASSWORD is not: set both, or neither");
  }
  if (!isValidUserName(name)) {
    throw new ConfigError(
      `TSTASKS_ADMIN_USER must be 1 to 64 letters, digits, ".", "_", "-" or "@", got ${JSON.stringify(name)}`,
    );
  }
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new ConfigError(`TSTASKS_ADMIN_PASSWORD must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  // Checked first so a restart does not pay for a hash it throws away.
  if (await users.getUser(name)) {
    log.info({ user: name }, `admin user "${name}" exists already; TSTASKS_ADMIN_PASSWORD is ignored`);
    return "exists";
  }
  const passwordHash = await hashPassword(password);
  try {
    await users.createUser({ name, passwordHash, roles: ["admin"] });
  } catch (err) {
    if (!(err instanceof UserExistsError)) throw err;
    log.info({ user: name }, `admin user "${name}" exists already; TSTASKS_ADMIN_PASSWORD is ignored`);
    return "exists";
  }
  log.info({ user: name }, `created admin user "${name}" from TSTASKS_ADMIN_USER`);
  return "created";
}
