import type { TokenService } from "../../server/auth/token-service.js";

/**
 * Authorization headers for a token of user `demo-tester` that may submit the
 * protected task types `types` (e.g. `demo.main.ignoreCancel`). A task
 * submitted with it belongs to that user, so reads and cancels of the task
 * must send the same headers (anonymous ones get 404).
 */
export async function allowedTokenHeaders(tokens: TokenService, ...types: string[]): Promise<Record<string, string>> {
  const allowedTasks = Object.fromEntries(types.map((t) => [t, true]));
  const { token } = await tokens.issue({ name: "demo-tester", allowedTasks, roles: [] });
  return { authorization: `Bearer ${token}` };
}
