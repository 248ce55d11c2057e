import { execFileSync } from "node:child_process";

/** A system account's numeric ids. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Looks up a local account with `id`, e.g. the `postgres` user that Debian's
 * postgresql package creates.
 *
 * @throws Error when the account does not exist.
 */
export function lookupSystemUser(name: string): SystemUser {
  const read = (flag: "-u" | "-g"): number => {
    try {
      return Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
    } catch (err) {
      throw new Error(`system user ${name} not found (needed to run it without root)`, { cause: err });
    }
  };
  return { name, uid: read("-u"), gid: read("-g") };
}
