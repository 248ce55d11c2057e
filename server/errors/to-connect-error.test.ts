import assert from "node:assert/strict";
import { it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ArgumentErrorsSchema } from "../../gen/tstasks/v1/task_pb.js";
import { QueuePublishError } from "../../core/queue/queue-errors.js";
import { InvalidListQueryError } from "../../core/store/store-errors.js";
import { PermissionDeniedError, RateLimitedError, UnauthenticatedError } from "../auth/auth-errors.js";
import { ArgumentsInvalidError, TaskNotFoundError, TaskStateConflictError, UnknownTaskTypeError } from "./domain-errors.js";
import { toConnectError } from "./to-connect-error.js";

it("maps every foreign and domain error to its Connect code, and hides unknown ones", () => {
  const cases: [unknown, Code][] = [
    [new TaskNotFoundError("x"), Code.NotFound],
    [new UnknownTaskTypeError("t"), Code.InvalidArgument],
    [new TaskStateConflictError("done"), Code.FailedPrecondition],
    [new UnauthenticatedError("no"), Code.Unauthenticated],
    [new PermissionDeniedError("no"), Code.PermissionDenied],
    [new RateLimitedError("slow down", 3), Code.ResourceExhausted],
    [new InvalidListQueryError("bad cursor"), Code.InvalidArgument],
    [new QueuePublishError(1, 1), Code.Unavailable],
    [Object.assign(new Error("terminating connection"), { code: "57P01" }), Code.Unavailable],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4222"), { code: "ECONNREFUSED" }), Code.Unavailable],
  ];
  for (const [thrown, code] of cases) assert.equal(toConnectError(thrown).code, code, String(thrown));

  const args = toConnectError(new ArgumentsInvalidError({ x: "must be integer" }));
  assert.deepEqual(args.findDetails(ArgumentErrorsSchema)[0]?.errors, { x: "must be integer" });
  assert.equal(toConnectError(new RateLimitedError("slow", 2.2)).metadata.get("retry-after"), "3");

  const original = console.error;
  console.error = () => {};
  try {
    const hidden = toConnectError(new Error("select * from tasks failed at line 3"));
    assert.equal(hidden.code, Code.Internal);
    assert.equal(hidden.rawMessage, "internal error", "no SQL or internals in the message");
  } finally {
    console.error = original;
  }
  const passthrough = new ConnectError("as is", Code.Aborted);
  assert.equal(toConnectError(passthrough), passthrough);
});
