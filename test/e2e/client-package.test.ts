import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";

// The client as another service gets it: `npm pack` of the client workspace
// (which builds it first: prepack), the tarball installed into a fresh
// project by npm, and that project's plain-Node script (the example of
// client/README.md, as written) and the installed `tstasks` bin calling a
// running server. Packaging does not touch the store or the queue, so one
// backend is enough: embedded unless the run is narrowed to real.

const REPO = join(import.meta.dirname, "../..");
const CLIENT = join(REPO, "client");
const run = promisify(execFile);
/** npm without the test runner's npm_* variables (a nested npm would take them as its own config). */
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
const npm = (args: string[], cwd: string) => run("npm", args, { cwd, env: npmEnv, maxBuffer: 16 << 20 });

/** The first ```js block of client/README.md: the example it tells readers to save as example.mjs. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(CLIENT, "README.md"), "utf8");
  const match = /```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, "client/README.md has a ```js example");
  return match[1]!;
}

describe("the client package (@tstasks/client), packed and installed by another project", () => {
  let stack: Stack;
  let packDir: TempDir;
  let project: TempDir;
  let tarball: string;
  let files: string[];

  before(async () => {
    packDir = makeTempDir("tstasks-pack-");
    project = makeTempDir("tstasks-client-user-");
    const [started, packed] = await Promise.all([
      startStack({ backend: BACKENDS.includes("embedded") ? "embedded" : "real" }),
      npm(["pack", "--json", "--pack-destination", packDir.path], CLIENT),
    ]);
    stack = started;
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(packDir.path, info!.filename);
    files = info!.files.map((f) => f.path).sort();
    await writeFile(join(project.path, "package.json"), JSON.stringify({ name: "client-user", version: "1.0.0", type: "module", private: true }));
    await npm(["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], project.path);
  });
  after(async () => {
    await stack?.stop();
    await packDir?.remove();
    await project?.remove();
  });

  it("the tarball holds the built client (ESM + .d.ts), its generated code, package.json and README, nothing else", () => {
    for (const expected of [
      "package.json",
      "README.md",
      "dist/client/index.js",
      "dist/client/index.d.ts",
      "dist/client/browser.js",
      "dist/client/browser.d.ts",
      "dist/client/cli/main.js",
      "dist/gen/tstasks/v1/task_service_pb.js",
      "dist/gen/tstasks/v1/task_service_pb.d.ts",
    ]) {
      assert.ok(files.includes(expected), `${expected} is missing from:\n${files.join("\n")}`);
    }
    const unexpected = files.filter(
      (f) => !(f === "package.json" || f === "README.md" || /^dist\/(client|gen)\/.+\.(js|d\.ts|js\.map)$/.test(f)) || /test/.test(f),
    );
    assert.deepEqual(unexpected, [], "only the client's build output, package.json and README");
    // The CLI's own code comes along; the repository's server, worker and core code do not.
    assert.ok(files.some((f) => f.startsWith("dist/client/cli/commands/")));
    assert.ok(!files.some((f) => /^dist\/(server|worker|core|app|taskpacks)\//.test(f)));
  });

  it("the installed package.json is publishable: named, versioned, not private, only runtime dependencies", async () => {
    const manifest = JSON.parse(await readFile(join(project.path, "node_modules/@tstasks/client/package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(manifest["name"], "@tstasks/client");
    assert.match(String(manifest["version"]), /^\d+\.\d+\.\d+/);
    assert.equal(manifest["private"], undefined);
    assert.deepEqual(Object.keys(manifest["dependencies"] as object).sort(), [
      "@bufbuild/protobuf",
      "@connectrpc/connect",
      "@connectrpc/connect-node",
      "@connectrpc/connect-web",
      "cli-progress",
      "commander",
    ]);
  });

  it("the README's example runs as written with plain node against a running server", async () => {
    await writeFile(join(project.path, "example.mjs"), await readmeExample());
    const { stdout } = await run(process.execPath, ["example.mjs"], {
      cwd: project.path,
      env: { PATH: process.env["PATH"], TSTASKS_URL: stack.baseUrl },
    });
    const lines = stdout.trim().split("\n");
    assert.equal(lines[0], "PENDING");
    assert.equal(lines[1], "3");
    assert.ok(lines.slice(2, -1).every((l) => /^progress \d+%$/.test(l)) && lines.length > 3, stdout);
    assert.equal(lines.at(-2), "progress 100%");
    assert.equal(lines.at(-1), "true");
  });

  it("TypeScript finds the installed declarations through the exports' types condition", async () => {
    // skipLibCheck keeps this fast; the @ts-expect-error fails if the options were untyped (any).
    await writeFile(
      join(project.path, "consumer.ts"),
      `import { createTasksClient, type TaskInfo } from "@tstasks/client";
const client = createTasksClient({ baseUrl: "http://localhost:8080", protocol: "grpc" });
export const task: Promise<TaskInfo> = client.get("id");
// @ts-expect-error not a protocol
createTasksClient({ baseUrl: "http://localhost:8080", protocol: "smoke-signals" });
`,
    );
    const tsc = join(REPO, "node_modules/typescript/bin/tsc");
    const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck", "--types", "node", "--typeRoots", join(REPO, "node_modules/@types"), "consumer.ts"];
    const errors = await run(process.execPath, [tsc, ...args], { cwd: project.path }).then(
      () => "",
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    assert.equal(errors, "");
  });

  it("the installed tstasks bin runs a task and answers --help", async () => {
    const env = { ...npmEnv, TSTASKS_URL: stack.baseUrl };
    const sum = await run("npx", ["--no", "--", "tstasks", "submit", "test.main.add", "--arg", "x=20", "--arg", "y=22", "--wait"], { cwd: project.path, env });
    assert.equal(sum.stdout, "42\n");
    const help = await run("npx", ["--no", "--", "tstasks", "--help"], { cwd: project.path, env });
    assert.match(help.stdout, /submit-many/);
  });
});
