import { ConnectError } from "@connectrpc/connect";
import { codeName } from "../../../client/code-name.js";

/**
 * One line for an error shown on a page: the server's code and message for
 * API errors (`not_found: task … not found`), the message of anything else.
 */
export function errorText(e: unknown): string {
  if (e instanceof ConnectError) return `${codeName(e.code)}: ${e.rawMessage}`;
  return e instanceof Error ? e.message : String(e);
}
