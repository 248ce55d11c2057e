import assert from "node:assert/strict";
import { it } from "node:test";
import { Code } from "@connectrpc/connect";
import { codeFromName, codeName } from "./code-name.js";

it("reads every Connect code's wire name back to the code, and writes it again", () => {
  const codes = Object.values(Code).filter((v): v is Code => typeof v === "number");
  assert.equal(codes.length, 16);
  for (const code of codes) assert.equal(codeFromName(codeName(code)), code, Code[code]);
  assert.equal(codeName(Code.InvalidArgument), "invalid_argument");
  assert.equal(codeName(Code.PermissionDenied), "permission_denied");
  assert.equal(codeFromName("unauthenticated"), Code.Unauthenticated);
});

it("a name that is no code is Unknown, never another code", () => {
  for (const name of ["", "InvalidArgument", "invalid-argument", "INVALID_ARGUMENT", "not_a_code", "toString", "constructor", "_"]) {
    assert.equal(codeFromName(name), Code.Unknown, JSON.stringify(name));
  }
  assert.equal(codeName(999 as Code), "unknown");
});
