import type { TaskCursor } from "../../core/store/task-record.js";
import { RequestInvalidError } from "../errors/domain-errors.js";

/** Encodes a list cursor as the opaque `page_token` clients pass back. */
export function encodePageToken(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString("base64url");
}

/** Decodes a `page_token`; throws RequestInvalidError when it was not made by us. */
export function decodePageToken(token: string): TaskCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [string, string];
    const createdAt = new Date(at);
    if (typeof id !== "string" || Number.isNaN(createdAt.getTime())) throw new Error("bad token");
    return { createdAt, id };
  } catch {
    throw new RequestInvalidError("page_token is not valid: pass next_page_token from the previous page", {
      page_token: "is not valid",
    });
  }
}
