import { STATUS_CODES } from "node:http";
import { Code } from "@connectrpc/connect";
import { codeName, restStatusForCode } from "../rest/http-status.js";
import type { ResponseObject, SchemaObject } from "./openapi-types.js";

/**
 * Component name of the REST error body (`RestErrorBody`). Proto messages
 * are named by their full, dotted type name, so a name without a dot cannot
 * collide with one of theirs.
 */
export const ERROR_SCHEMA_NAME = "RestError";

/**
 * The statuses every operation lists: the ones README's error table gives
 * this API's methods (invalid input, no or a bad token, no permission,
 * unknown id, a task in the wrong state, rate limits, the store down).
 * Which methods can really answer which is not in the proto, so all
 * operations list all of them; the rest (405, 413, 415, 500, …) are the
 * `default` response, with the same body.
 */
export const ERROR_STATUSES: readonly number[] = [400, 401, 403, 404, 409, 429, 503];

/** The schema of every REST error body: `RestErrorBody` in `server/rest/error-response.ts`. */
export function errorBodySchema(): SchemaObject {
  return {
    type: "object",
    properties: {
      code: { type: "string", enum: [...new Set(allCodes().map(codeName))] },
      message: { type: "string" },
      errors: { type: "object", additionalProperties: { type: "string" } },
    },
    required: ["code", "message"],
  };
}

/**
 * `components.responses`: one error response per status of
 * {@link ERROR_STATUSES}, named after the status text (`BadRequest`,
 * `TooManyRequests`, …) and described by the Connect codes that map to it
 * (from `restStatusForCode`, so the document follows that table), plus
 * `Error` for the `default` response.
 */
export function errorResponses(): Record<string, ResponseObject> {
  const content = { "application/json": { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } };
  const responses: Record<string, ResponseObject> = {};
  for (const status of ERROR_STATUSES) {
    const codes = allCodes().filter((c) => restStatusForCode(c) === status).map((c) => `\`${codeName(c)}\``);
    const response: ResponseObject = { description: `${STATUS_CODES[status]}: ${codes.join(", ")}`, content };
    if (status === 429) {
      // The rate limits and the login throttle say when to come back (server/auth/auth-errors.ts).
      response.headers = { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 1 } } };
    }
    responses[errorResponseName(status)] = response;
  }
  responses["Error"] = { description: "Any other error.", content };
  return responses;
}

/**
 * An operation's error entries: each status of {@link ERROR_STATUSES} and
 * `default`, as references to {@link errorResponses}.
 */
export function operationErrorResponses(): Record<string, ResponseObject> {
  const out: Record<string, ResponseObject> = {};
  for (const status of ERROR_STATUSES) out[String(status)] = { $ref: `#/components/responses/${errorResponseName(status)}` };
  out["default"] = { $ref: "#/components/responses/Error" };
  return out;
}

function errorResponseName(status: number): string {
  return (STATUS_CODES[status] ?? `Status${status}`).replace(/[^A-Za-z0-9]/g, "");
}

function allCodes(): Code[] {
  // A numeric TS enum also maps names back to numbers; keep the numbers.
  return Object.values(Code).filter((v): v is Code => typeof v === "number");
}
