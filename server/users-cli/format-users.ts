import type { UserRecord } from "../../core/store/users/user-record.js";

/** A user as `list` shows it: no password hash, ever. */
export interface ListedUser {
  name: string;
  roles: string[];
  /** Task types mapped to true, sorted. */
  allowedTasks: string[];
  createdAt: string;
  updatedAt: string;
}

/** The public view of a record: drops the hash, keeps only granted task types. */
export function toListedUser(user: UserRecord): ListedUser {
  return {
    name: user.name,
    roles: [...user.roles],
    allowedTasks: Object.keys(user.allowedTasks)
      .filter((t) => user.allowedTasks[t] === true)
      .sort(),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** Aligned columns NAME, ROLES, ALLOWED TASKS, CREATED, one user a line; `-` for an empty list. */
export function formatUserTable(users: readonly ListedUser[]): string {
  const rows = [
    ["NAME", "ROLES", "ALLOWED TASKS", "CREATED"],
    ...users.map((u) => [u.name, u.roles.join(",") || "-", u.allowedTasks.join(",") || "-", u.createdAt]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  ")).join("\n");
}
