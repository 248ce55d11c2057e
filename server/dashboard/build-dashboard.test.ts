import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDashboard } from "./build-dashboard.js";

describe("the dashboard build", () => {
  let outDir: string;
  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), "tstasks-dashboard-build-"));
  });
  after(() => rm(outDir, { recursive: true, force: true }));

  it("writes hashed assets and a page that loads them from /ui, and removes the files of earlier builds", async () => {
    await writeFile(join(outDir, "app-OLDHASH.js"), "old");
    await writeFile(join(outDir, "keep.txt"), "not an asset");
    const built = await buildDashboard({ outDir });
    assert.match(built.script, /^app-[A-Z0-9]+\.js$/);
    assert.match(built.stylesheet, /^app-[A-Z0-9]+\.css$/);
    assert.deepEqual((await readdir(outDir)).sort(), [built.script, built.stylesheet, "index.html", "keep.txt"].sort());
    const html = await readFile(join(outDir, "index.html"), "utf8");
    assert.ok(html.includes(`<script type="module" src="/ui/${built.script}"></script>`), html);
    assert.ok(html.includes(`<link rel="stylesheet" href="/ui/${built.stylesheet}">`), html);
    assert.doesNotMatch(html, /<script>|<style|style=/, "nothing inline: the page's CSP forbids it");
    const css = await readFile(join(outDir, built.stylesheet), "utf8");
    assert.match(css, /\.uplot/, "uPlot's styles are bundled");
    assert.match(css, /\.status-success/, "and ours");
  });
});
