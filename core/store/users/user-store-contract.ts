import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { Database } from "../postgres/database.js";
import { InvalidUserNameError, UserExistsError } from "./user-errors.js";
import type { UserStore } from "./user-store.js";

// The behaviour every UserStore backend must show, written once and run by
// user-store.test.ts against Postgres and PGlite.

/** One freshly opened, migrated and empty database with a UserStore on it. */
export interface UserStoreBackend {
  users: UserStore;
  /** The store's database, for setup and checks the interface cannot express. */
  db: Kysely<Database>;
  /** Closes the database. */
  close(): Promise<void>;
}

const HASH = "scrypt$fake$hash";

/**
 * Registers the UserStore contract tests (node:test) under `describe(name)`.
 * `open` is called once per group of tests and must give an empty store.
 */
export function describeUserStoreContract(name: string, open: () => Promise<UserStoreBackend>): void {
  describe(name, () => {
    describe("records", () => {
      let backend: UserStoreBackend;
      let users: UserStore;
      before(async () => {
        backend = await open();
        users = backend.users;
      });
      after(async () => {
        await backend?.close();
      });

      test("create then get: defaults are no allowed tasks and no roles, both timestamps now", async () => {
        await users.createUser({ name: "alice", passwordHash: HASH });
        const rec = await users.getUser("alice");
        assert.ok(rec);
        assert.deepEqual(
          { ...rec, createdAt: undefined, updatedAt: undefined },
          { name: "alice", passwordHash: HASH, allowedTasks: {}, roles: [], createdAt: undefined, updatedAt: undefined },
        );
        assert.ok(rec.createdAt instanceof Date && Math.abs(rec.createdAt.getTime() - Date.now()) < 60_000);
        assert.deepEqual(rec.updatedAt, rec.createdAt);
      });

      test("allowedTasks and roles round-trip through jsonb exactly", async () => {
        const allowedTasks = { "test.main.myProtectedTask": true, "demo.off": false, "ünï.cödé": true, "a\"b": true };
        const roles = ["admin", "ops", "zz-last-but-kept-in-order", "a"];
        await users.createUser({ name: "bob@example.com", passwordHash: HASH, allowedTasks, roles });
        const rec = await users.getUser("bob@example.com");
        assert.deepEqual(rec?.allowedTasks, allowedTasks);
        assert.deepEqual(rec?.roles, roles);
        // Stored as jsonb values of the right kind, not as strings holding JSON.
        const { rows } = await sql<{ a: string; r: string }>`
          select jsonb_typeof(allowed_tasks) as a, jsonb_typeof(roles) as r from users where name = 'bob@example.com'`.execute(
          backend.db,
        );
        assert.deepEqual(rows, [{ a: "object", r: "array" }]);
      });

      test("a taken name throws UserExistsError and leaves the first user untouched", async () => {
        await users.createUser({ name: "carol", passwordHash: HASH, roles: ["admin"] });
        await assert.rejects(users.createUser({ name: "carol", passwordHash: "other" }), (err) => {
          assert.ok(err instanceof UserExistsError);
          assert.equal(err.userName, "carol");
          assert.match(err.message, /"carol" exists already/);
          return true;
        });
        const rec = await users.getUser("carol");
        assert.equal(rec?.passwordHash, HASH);
        assert.deepEqual(rec?.roles, ["admin"]);
      });

      test("names are case-sensitive", async () => {
        await users.createUser({ name: "Dave", passwordHash: "upper" });
        await users.createUser({ name: "dave", passwordHash: "lower" });
        assert.equal((await users.getUser("Dave"))?.passwordHash, "upper");
        assert.equal((await users.getUser("dave"))?.passwordHash, "lower");
        assert.equal(await users.getUser("DAVE"), undefined);
      });

      test("name rule: 1..64 of letters, digits . _ - @; others rejected on create, unknown elsewhere", async () => {
        for (const ok of ["e", "a.b_c-d@e.f", "E".repeat(64), "0123"]) {
          await users.createUser({ name: ok, passwordHash: HASH });
          assert.equal((await users.getUser(ok))?.name, ok);
        }
        for (const bad of ["", "x".repeat(65), "a b", "ä", "a/b", "a:b", "a\nb", "a'b"]) {
          await assert.rejects(users.createUser({ name: bad, passwordHash: HASH }), InvalidUserNameError, JSON.stringify(bad));
          assert.equal(await users.getUser(bad), undefined);
          assert.equal(await users.updateUser(bad, { roles: [] }), false);
          assert.equal(await users.deleteUser(bad), false);
        }
      });

      test("the database itself refuses an invalid name, an empty hash and wrongly shaped jsonb", async () => {
        const insert = (name: string, hash: string, allowed: string, roles: string) =>
          sql`insert into users (name, password_hash, allowed_tasks, roles)
              values (${name}, ${hash}, ${allowed}::jsonb, ${roles}::jsonb)`.execute(backend.db);
        await assert.rejects(insert("no spaces", HASH, "{}", "[]"), /users_name_check/);
        await assert.rejects(insert("fine", "", "{}", "[]"), /users_password_hash_check/);
        await assert.rejects(insert("fine", HASH, "[]", "[]"), /users_allowed_tasks_object_check/);
        await assert.rejects(insert("fine", HASH, "{}", "{}"), /users_roles_array_check/);
        assert.equal(await users.getUser("fine"), undefined);
      });

      test("bad hash, allowedTasks or roles values are a TypeError, and nothing is stored", async () => {
        await assert.rejects(users.createUser({ name: "frank", passwordHash: "" }), TypeError);
        await assert.rejects(
          users.createUser({ name: "frank", passwordHash: HASH, allowedTasks: { x: "yes" } as unknown as Record<string, boolean> }),
          TypeError,
        );
        await assert.rejects(
          users.createUser({ name: "frank", passwordHash: HASH, roles: "admin" as unknown as string[] }),
          TypeError,
        );
        assert.equal(await users.getUser("frank"), undefined);
        await users.createUser({ name: "frank", passwordHash: HASH });
        await assert.rejects(users.updateUser("frank", { roles: [""] }), TypeError);
        await assert.rejects(users.updateUser("frank", { allowedTasks: ["a"] as unknown as Record<string, boolean> }), TypeError);
        await assert.rejects(users.updateUser("frank", { passwordHash: "" }), TypeError);
        assert.equal((await users.getUser("frank"))?.passwordHash, HASH);
      });

      test("updateUser replaces only the given fields and moves updatedAt", async () => {
        await users.createUser({ name: "gina", passwordHash: HASH, allowedTasks: { a: true }, roles: ["r1"] });
        // Backdate, so "updatedAt moved" does not depend on the clock advancing.
        await sql`update users set created_at = now() - interval '1 day', updated_at = now() - interval '1 day'
                  where name = 'gina'`.execute(backend.db);
        const before = await users.getUser("gina");
        assert.ok(before);

        assert.equal(await users.updateUser("gina", { passwordHash: "new-hash" }), true);
        const afterHash = await users.getUser("gina");
        assert.equal(afterHash?.passwordHash, "new-hash");
        assert.deepEqual(afterHash?.allowedTasks, { a: true });
        assert.deepEqual(afterHash?.roles, ["r1"]);
        assert.deepEqual(afterHash?.createdAt, before.createdAt);
        assert.ok(afterHash.updatedAt.getTime() > before.updatedAt.getTime());

        assert.equal(await users.updateUser("gina", { allowedTasks: { b: true } }), true);
        assert.deepEqual((await users.getUser("gina"))?.allowedTasks, { b: true }, "replaced, not merged");
        assert.equal(await users.updateUser("gina", { roles: [] }), true);
        assert.equal(await users.updateUser("gina", {}), true);
        const last = await users.getUser("gina");
        assert.deepEqual(
          { ...last, updatedAt: undefined },
          { name: "gina", passwordHash: "new-hash", allowedTasks: { b: true }, roles: [], createdAt: before.createdAt, updatedAt: undefined },
        );
      });

      test("updateUser and deleteUser of an unknown user are false and create nothing", async () => {
        assert.equal(await users.updateUser("nobody", { passwordHash: HASH }), false);
        assert.equal(await users.deleteUser("nobody"), false);
        assert.equal(await users.getUser("nobody"), undefined);
      });

      test("deleteUser removes the user once; the name can be created again", async () => {
        await users.createUser({ name: "henry", passwordHash: HASH, roles: ["admin"] });
        assert.equal(await users.deleteUser("henry"), true);
        assert.equal(await users.getUser("henry"), undefined);
        assert.equal(await users.deleteUser("henry"), false);
        await users.createUser({ name: "henry", passwordHash: "again" });
        assert.deepEqual((await users.getUser("henry"))?.roles, []);
      });
    });

    describe("listing", () => {
      let backend: UserStoreBackend;
      let users: UserStore;
      before(async () => {
        backend = await open();
        users = backend.users;
      });
      after(async () => {
        await backend?.close();
      });

      test("an empty store lists nothing and counts 0", async () => {
        assert.deepEqual(await users.listUsers(), []);
        assert.equal(await users.countUsers(), 0);
      });

      test("listUsers orders by name (byte order), countUsers follows creates and deletes", async () => {
        for (const name of ["mike", "Zed", "anna", "_x", "bea", "9lives"]) {
          await users.createUser({ name, passwordHash: `h-${name}`, roles: name === "anna" ? ["admin"] : [] });
        }
        assert.equal(await users.countUsers(), 6);
        const list = await users.listUsers();
        assert.deepEqual(
          list.map((u) => u.name),
          ["9lives", "Zed", "_x", "anna", "bea", "mike"],
        );
        assert.deepEqual(list[3], await users.getUser("anna"));
        assert.equal(list[3]?.passwordHash, "h-anna");
        await users.deleteUser("bea");
        assert.equal(await users.countUsers(), 5);
        assert.equal((await users.listUsers()).some((u) => u.name === "bea"), false);
      });
    });
  });
}
