import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";

// The deployment files (Dockerfile, .dockerignore, compose.yaml; docs/deploy.md
// explains them). compose.yaml is parsed by the real Compose: the docker CLI's
// `docker compose` plugin when it is there, else the standalone
// `docker-compose` (Debian's package; .ci/run installs it). Building the image
// needs a Docker daemon, which CI does not have: the Dockerfile is checked
// for its structure instead.

const REPO = join(import.meta.dirname, "../..");
const run = promisify(execFile);

/** The Compose command line on this machine, or undefined when there is none. */
async function findCompose(): Promise<string[] | undefined> {
  const works = (cmd: string, args: string[]) => run(cmd, args).then(() => true, () => false);
  if (await works("docker", ["compose", "version"])) return ["docker", "compose"];
  if (await works("docker-compose", ["version"])) return ["docker-compose"];
  return undefined;
}

/** The stages of a Dockerfile: each FROM line's image and name, and the instructions under it. */
function dockerStages(dockerfile: string): Array<{ from: string; name: string | undefined; lines: string[] }> {
  // Continuation lines joined, comments and blank lines dropped.
  const lines = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const args = new Map<string, string>();
  const stages: Array<{ from: string; name: string | undefined; lines: string[] }> = [];
  for (const line of lines) {
    const arg = /^ARG\s+(\w+)=(\S+)/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1]!, arg[2]!);
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = from[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? "");
      stages.push({ from: image, name: from[2], lines: [] });
    } else {
      stages.at(-1)?.lines.push(line);
    }
  }
  return stages;
}

describe("deployment files", () => {
  let compose: string[];
  let dir: TempDir;
  // Compose reads variables from the environment: give it none of the test runner's.
  const env = { PATH: process.env["PATH"], HOME: process.env["HOME"] };
  const composeRun = (args: string[], cwd = REPO) => run(compose[0]!, [...compose.slice(1), ...args], { cwd, env });

  before(async () => {
    const found = await findCompose();
    assert.ok(found, "neither `docker compose` nor `docker-compose` is installed: apt-get install docker-compose (.ci/run does)");
    compose = found;
    dir = makeTempDir("tstasks-compose-");
  });
  after(() => dir?.remove());

  it("compose.yaml parses (compose config -q), with no variable set", async () => {
    const { stderr } = await composeRun(["config", "-q"]);
    assert.doesNotMatch(stderr, /variable is not set/i);
  });

  it("the config check really validates: a malformed compose file is refused", async () => {
    await writeFile(join(dir.path, "compose.yaml"), "services:\n  app:\n    image: nats\n    healthcheck: yes-please\n");
    await assert.rejects(composeRun(["config", "-q"], dir.path));
  });

  it("has NATS, Postgres, the server and two workers, each with a healthcheck, and volumes for both stores", async () => {
    const services = (await composeRun(["config", "--services"])).stdout.trim().split("\n").sort();
    assert.deepEqual(services, ["nats", "postgres", "server", "worker"]);
    const volumes = (await composeRun(["config", "--volumes"])).stdout.trim().split("\n").sort();
    assert.deepEqual(volumes, ["nats-data", "postgres-data"]);
    const { stdout: config } = await composeRun(["config"]);
    assert.equal(config.match(/^ {4}healthcheck:/gm)?.length, 4, "one healthcheck per service");
    assert.match(config, /^ {6}replicas: 2$/m);
    assert.match(config, /-js/);
    assert.match(config, /healthz\?js-enabled-only=true/);
    assert.match(config, /pg_isready/);
  });

  it("probes match what the processes serve: the server's /ready, the worker's /readyz on its WORKER_HEALTH_PORT", async () => {
    const text = await readFile(join(REPO, "compose.yaml"), "utf8");
    const port = /WORKER_HEALTH_PORT: "(\d+)"/.exec(text)?.[1];
    assert.ok(port, "the workers set WORKER_HEALTH_PORT");
    assert.ok(text.includes(`http://127.0.0.1:${port}/readyz`), "the worker healthcheck uses that port");
    assert.ok(text.includes(`http://127.0.0.1:8080/ready'`), "the server healthcheck asks /ready");
    for (const main of ["dist/server/main.js", "dist/worker/main.js"]) {
      assert.ok(text.includes(`"node", "${main}"`), `${main} is started`);
      // What the build compiles to that path.
      assert.ok(existsSync(join(REPO, main.replace(/^dist\//, "").replace(/\.js$/, ".ts"))));
    }
  });

  it("the Dockerfile is multi-stage on node:20-bookworm-slim, with production dependencies only, run as a non-root user", async () => {
    const dockerfile = await readFile(join(REPO, "Dockerfile"), "utf8");
    const stages = dockerStages(dockerfile);
    assert.ok(stages.length >= 2, "a build stage and a runtime stage");
    for (const stage of stages) assert.equal(stage.from, "node:20-bookworm-slim");
    const [build, runtime] = [stages[0]!, stages.at(-1)!];
    assert.ok(build.lines.some((l) => /^RUN npm ci\b/.test(l)) && build.lines.some((l) => /^RUN npm run build\b/.test(l)));
    assert.ok(runtime.lines.some((l) => /^RUN npm ci\b.*--omit=dev/.test(l)), "runtime installs without devDependencies");
    for (const path of ["dist", "client/dist"]) {
      assert.ok(runtime.lines.some((l) => new RegExp(`^COPY --from=${build.name} \\S+/${path} ${path}$`).test(l)), `runtime copies ${path} from the build`);
    }
    assert.ok(runtime.lines.some((l) => l === "COPY taskpacks taskpacks"));
    const users = runtime.lines.filter((l) => l.startsWith("USER "));
    assert.ok(users.length > 0 && !/^USER (root|0)(:|$)/.test(users.at(-1)!), "the last USER is not root");
    assert.equal(runtime.lines.filter((l) => l.startsWith("CMD ")).at(-1), `CMD ["node", "dist/server/main.js"]`);
  });

  it(".dockerignore keeps installed and built files, git and local data out of the build context", async () => {
    const ignored = (await readFile(join(REPO, ".dockerignore"), "utf8")).split("\n").map((l) => l.trim());
    for (const entry of ["**/node_modules", "dist", "client/dist", ".git", ".tstasks", "*.pem"]) {
      assert.ok(ignored.includes(entry), `${entry} is ignored`);
    }
  });
});
