import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { DEFAULT_TASKPACKS_DIR } from "../../core/config/env-config.js";
import { makeTempDir } from "../../test/harness/temp-dir.js";
import { captureLog } from "../../test/support/capture-log.js";
import { loadTaskpacks } from "./load-taskpacks.js";

/** Writes `files` (path relative to the pack → content) into `<root>/<pack>/`. */
function writePack(root: string, pack: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, pack, path, ".."), { recursive: true });
    writeFileSync(join(root, pack, path), content);
  }
}

const manifest = (name: string) => JSON.stringify({ name, version: "2.3.4", type: "module" });

describe("loadTaskpacks", () => {
  it("loads the repository's taskpacks", async () => {
    const captured = captureLog();
    const { tasks, failures } = await loadTaskpacks({ dir: DEFAULT_TASKPACKS_DIR, log: captured.log });
    assert.deepEqual(failures, []);
    const byName = new Map(tasks.map((task) => [task.name, task]));
    for (const name of ["test.main.add", "test.main.subtract", "test.main.hypot", "test.main.myProtectedTask", "physicsjs.main.mov3d"]) {
      assert.ok(byName.has(name), `${name} missing`);
    }
    // Packs in folder-name order, exports in namespace order (the test pack's other modules left out).
    assert.deepEqual(
      tasks.filter((task) => task.pack === "physicsjs" || task.name.startsWith("test.main.")).map((task) => task.name),
      ["physicsjs.main.mov3d", "test.main.add", "test.main.hypot", "test.main.myProtectedTask", "test.main.subtract"],
    );
    const add = byName.get("test.main.add")!;
    assert.equal(add.pack, "test");
    assert.equal(add.packVersion, "1.0.0");
    assert.equal(add.definition.protected, false);
    assert.equal(byName.get("test.main.myProtectedTask")!.definition.protected, true);
    assert.equal(byName.get("physicsjs.main.mov3d")!.definition.queue, "default");
    assert.equal(add.argsSchema.type, "object");
    assert.deepEqual(add.argsSchema.required, ["x", "y"]);
    assert.equal(add.argsSchema.additionalProperties, false);
    const properties = add.argsSchema.properties as Record<string, { type: string }>;
    assert.equal(properties.x!.type, "integer");
    assert.equal(properties.y!.type, "integer");
    assert.equal((byName.get("test.main.hypot")!.argsSchema.properties as Record<string, { type: string }>).x!.type, "number");
    const loaded = captured.entries().find((e) => e["pack"] === "test");
    assert.match(String(loaded?.["msg"]), /^loaded test@1\.0\.0: /);
    assert.equal(loaded?.["version"], "1.0.0");
  });

  describe("with a folder of good and bad packs", () => {
    const dir = makeTempDir("tstasks-packs-");
    after(() => dir.remove());
    const task = (body: string) => `import { defineTask, z } from "tstasks/task";\n${body}\n`;
    writePack(dir.path, "good", {
      "package.json": manifest("good"),
      "main.ts": task(
        `export const b = defineTask({ args: z.strictObject({ n: z.int() }), queue: "gpu", run: ({ n }) => n * 2 });
export const a = defineTask({ args: z.object({ s: z.string().default("x") }), run: ({ s }) => s });
export const notATask = 42;
export default defineTask({ args: z.object({}), run: () => 0 });`,
      ),
      "extra.ts": task(`export const x = defineTask({ args: z.object({}), run: () => "extra" });`),
      "main.test.ts": `throw new Error("test files must not be loaded");`,
      "types.d.ts": `export type T = number;`,
      "lib/helper.ts": `throw new Error("subfolders must not be loaded");`,
    });
    writePack(dir.path, "broken", { "package.json": manifest("broken"), "main.ts": `throw new Error("boom at import");` });
    writePack(dir.path, "syntax", { "package.json": manifest("syntax"), "main.ts": `export const = ;` });
    writePack(dir.path, "badjson", { "package.json": "{ name: ", "main.ts": task("") });
    writePack(dir.path, "noversion", { "package.json": JSON.stringify({ name: "noversion", type: "module" }), "main.ts": task("") });
    writePack(dir.path, "commonjs", { "package.json": JSON.stringify({ name: "commonjs", version: "1.0.0" }), "main.ts": task("") });
    writePack(dir.path, "dated", {
      "package.json": manifest("dated"),
      "main.ts": task(`export const when = defineTask({ args: z.object({ at: z.date() }), run: () => 1 });`),
    });
    writePack(dir.path, "scalar", {
      "package.json": manifest("scalar"),
      "main.ts": task(`export const n = defineTask({ args: z.number(), run: (n) => n });`),
    });
    writePack(dir.path, "dot.ted", { "package.json": manifest("dotted"), "main.ts": task("") });
    writePack(dir.path, ".hidden", { "main.ts": `throw new Error("hidden folders must not be loaded");` });

    it("loads the good pack and reports each bad one with its reason", async () => {
      const { tasks, failures } = await loadTaskpacks({ dir: dir.path });
      assert.deepEqual(
        tasks.map((t) => [t.name, t.pack, t.packVersion, t.definition.queue]),
        [
          ["good.extra.x", "good", "2.3.4", "default"],
          ["good.main.a", "good", "2.3.4", "default"],
          ["good.main.b", "good", "2.3.4", "gpu"],
        ],
      );
      // Input side of the schema: a field with a default is not required.
      assert.equal(tasks[1]!.argsSchema.required, undefined);
      assert.deepEqual(tasks[2]!.argsSchema.required, ["n"]);
      assert.equal(await tasks[2]!.definition.run({ n: 21 }, undefined as never), 42);

      const reasons = Object.fromEntries(failures.map((f) => [f.pack, f.error]));
      assert.deepEqual(Object.keys(reasons), ["badjson", "broken", "commonjs", "dated", "dot.ted", "noversion", "scalar", "syntax"]);
      assert.match(reasons.badjson!, /package\.json is not valid JSON/);
      assert.match(reasons.broken!, /boom at import/);
      assert.match(reasons.commonjs!, /"type": "module"/);
      assert.match(reasons.dated!, /dated\.main\.when.*JSON Schema/);
      assert.match(reasons["dot.ted"]!, /pack name "dot\.ted"/);
      assert.match(reasons.noversion!, /"version"/);
      assert.match(reasons.scalar!, /must be an object schema/);
      assert.match(reasons.syntax!, /main\.ts:1:\d+/);
    });

    it("is deterministic across calls", async () => {
      const first = await loadTaskpacks({ dir: dir.path });
      const second = await loadTaskpacks({ dir: dir.path });
      assert.deepEqual(second.tasks.map((t) => t.name), first.tasks.map((t) => t.name));
      assert.deepEqual(second.failures, first.failures);
    });
  });

  it("reports npm packages that cannot be found or repeat a pack name", async () => {
    const empty = makeTempDir("tstasks-nopacks-");
    try {
      const { tasks, failures } = await loadTaskpacks({ dir: empty.path, packages: ["tstasks-no-such-pack", "zod", "zod"] });
      assert.deepEqual(tasks, []);
      assert.deepEqual(failures.map((f) => f.pack), ["tstasks-no-such-pack", "zod"]);
      assert.match(failures[0]!.error, /tstasks-no-such-pack/);
      assert.match(failures[1]!.error, /pack named "zod" is already loaded/);
    } finally {
      await empty.remove();
    }
  });

  it("loads pack folders named in packages, absolute or relative to the working directory, and nothing else without dir", async () => {
    const root = makeTempDir("tstasks-pathpacks-");
    try {
      writePack(root.path, "solo", {
        "package.json": manifest("solo"),
        "main.ts": 'import { defineTask, z } from "tstasks/task";\nexport const one = defineTask({ args: z.object({}), run: () => 1 });\n',
      });
      const shipped = `./${relative(process.cwd(), join(DEFAULT_TASKPACKS_DIR, "test"))}`;
      const { tasks, failures } = await loadTaskpacks({ packages: [join(root.path, "solo"), shipped, "./no-such-pack-folder"] });
      assert.deepEqual([...new Set(tasks.map((t) => t.pack))], ["solo", "test"]);
      assert.equal(tasks[0]!.name, "solo.main.one");
      assert.deepEqual(failures.map((f) => f.pack), ["./no-such-pack-folder"]);
      assert.deepEqual(await loadTaskpacks({}), { tasks: [], failures: [] });
      const twice = await loadTaskpacks({ dir: DEFAULT_TASKPACKS_DIR, packages: [shipped] });
      assert.match(twice.failures.at(-1)!.error, /pack named "test" is already loaded/);
    } finally {
      await root.remove();
    }
  });

  it("treats a missing folder as no folder packs", async () => {
    const captured = captureLog();
    const result = await loadTaskpacks({ dir: "/nonexistent/tstasks-packs", log: captured.log });
    assert.deepEqual(result, { tasks: [], failures: [] });
    assert.match(captured.messages()[0]!, /no taskpacks folder/);
    assert.deepEqual([captured.entries()[0]!["level"], captured.entries()[0]!["dir"]], ["warn", "/nonexistent/tstasks-packs"]);
  });
});
