import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UnauthenticatedError } from "./auth-errors.js";
import { readBearerToken } from "./bearer-header.js";

function failure(header: string): string {
  try {
    readBearerToken(header);
  } catch (e) {
    assert.ok(e instanceof UnauthenticatedError);
    return e.message;
  }
  assert.fail(`no error for ${JSON.stringify(header)}`);
}

describe("readBearerToken", () => {
  it("is undefined without a header", () => {
    assert.equal(readBearerToken(undefined), undefined);
    assert.equal(readBearerToken(null), undefined);
    assert.equal(readBearerToken(""), undefined);
    assert.equal(readBearerToken("   "), undefined);
  });

  it("reads the token, scheme case-insensitive", () => {
    assert.equal(readBearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
    assert.equal(readBearerToken("bearer xyz"), "xyz");
    assert.equal(readBearerToken("BEARER xyz"), "xyz");
    assert.equal(readBearerToken("Bearer   a-b_c~d+e/f=="), "a-b_c~d+e/f==");
    assert.equal(readBearerToken("  Bearer\txyz  "), "xyz");
  });

  it("rejects other schemes", () => {
    for (const h of ["Basic dXNlcjpwdw==", "Token abc", "abc.def.ghi", "Bearerabc", "xBearer abc"]) {
      assert.equal(failure(h), "Authorization header must use the Bearer scheme", h);
    }
  });

  it("rejects Bearer without a token", () => {
    assert.equal(failure("Bearer"), "Authorization header has no token after Bearer");
    assert.equal(failure("Bearer   "), "Authorization header has no token after Bearer");
    assert.equal(failure("bearer\t"), "Authorization header has no token after Bearer");
  });

  it("rejects two tokens and characters outside token68", () => {
    for (const h of ["Bearer a b", "Bearer a,b", "Bearer a\"b", "Bearer =abc", "Bearer a=b", "Bearer ab€"]) {
      assert.equal(failure(h), "Authorization header is malformed", h);
    }
  });
});
