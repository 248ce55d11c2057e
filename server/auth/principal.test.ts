import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAdmin, mayRun } from "./principal.js";
import type { Principal } from "./principal.js";

function principal(roles: string[], allowedTasks: Record<string, boolean>): Principal {
  return { sub: "ann", roles, allowedTasks, issuer: "tstasks", expiresAt: 0, claims: {} };
}

describe("principal", () => {
  it("isAdmin looks for the admin role", () => {
    assert.equal(isAdmin(principal(["admin"], {})), true);
    assert.equal(isAdmin(principal(["user", "Admin"], {})), false);
    assert.equal(isAdmin(principal([], {})), false);
  });

  it("mayRun needs allowedTasks[type] === true", () => {
    const p = principal([], { "official.sum": true, "official.mult": false });
    assert.equal(mayRun(p, "official.sum"), true);
    assert.equal(mayRun(p, "official.mult"), false);
    assert.equal(mayRun(p, "official.other"), false);
  });

  it("mayRun does not read inherited properties", () => {
    const p = principal([], {});
    assert.equal(mayRun(p, "constructor"), false);
    assert.equal(mayRun(p, "__proto__"), false);
    assert.equal(mayRun(p, "toString"), false);
  });

  it("admins may run everything", () => {
    assert.equal(mayRun(principal(["admin"], { x: false }), "x"), true);
    assert.equal(mayRun(principal(["admin"], {}), "anything"), true);
  });
});
