import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { applySecurityHeaders } from "../http/security-headers.js";
import { ASSET_CACHE } from "./dashboard-files.js";
import { DASHBOARD_CSP, NOT_BUILT_MESSAGE } from "./dashboard-page.js";
import { createDashboardRoute } from "./dashboard-route.js";

describe("the dashboard route", () => {
  let dir: string;
  let server: Server;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tstasks-dashboard-"));
    const route = createDashboardRoute({ dir });
    server = createServer((req, res) => {
      applySecurityHeaders(res);
      if (!route(req, res)) {
        res.statusCode = 418;
        res.end();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers 503 with what to run while no build is there, on every dashboard path", async () => {
    for (const path of ["/ui", "/ui/", "/ui/app-X.js"]) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 503, path);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(await res.text(), NOT_BUILT_MESSAGE);
    }
  });

  it("serves a build made after start: the page with its CSP, hashed assets cached for a year, 404 for the rest", async () => {
    await writeFile(join(dir, "index.html"), "<!doctype html><title>v1</title>");
    await writeFile(join(dir, "app-ABC.js"), "console.log(1)");
    await writeFile(join(dir, "app-ABC.css"), "body{}");
    await writeFile(join(dir, "notes.txt"), "not served");

    for (const path of ["/ui", "/ui/", "/ui/?x=1"]) {
      const page = await fetch(`${url}${path}`);
      assert.equal(page.status, 200, path);
      assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(page.headers.get("content-security-policy"), DASHBOARD_CSP);
      assert.equal(page.headers.get("cache-control"), "no-cache");
      assert.equal(page.headers.get("x-frame-options"), "DENY", "the server's other security headers stay");
      assert.equal(await page.text(), "<!doctype html><title>v1</title>");
    }
    const script = await fetch(`${url}/ui/app-ABC.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(script.headers.get("cache-control"), ASSET_CACHE);
    assert.equal(script.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    assert.equal(await script.text(), "console.log(1)");
    assert.equal((await fetch(`${url}/ui/app-ABC.css`)).headers.get("content-type"), "text/css; charset=utf-8");

    for (const path of ["/ui/notes.txt", "/ui/app-NONE.js", "/ui/index.html", "/ui/..%2Fpackage.json", "/ui/sub/app-ABC.js", "/ui/.hidden.js"]) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { code: string }).code, "not_found", path);
    }
    // Not the dashboard's: left to the next handler.
    assert.equal((await fetch(`${url}/uix`)).status, 418);
    assert.equal((await fetch(`${url}/`)).status, 418);
  });

  it("revalidates the page by ETag and picks up a rebuild", async () => {
    await writeFile(join(dir, "index.html"), "<!doctype html><title>v2</title>");
    const first = await fetch(`${url}/ui`, { headers: { "accept-encoding": "identity" } });
    assert.equal(await first.text(), "<!doctype html><title>v2</title>");
    const etag = first.headers.get("etag")!;
    const again = await fetch(`${url}/ui`, { headers: { "accept-encoding": "identity", "if-none-match": etag } });
    assert.equal(again.status, 304);
    await writeFile(join(dir, "index.html"), "<!doctype html><title>version 3</title>");
    const rebuilt = await fetch(`${url}/ui`, { headers: { "accept-encoding": "identity", "if-none-match": etag } });
    assert.equal(rebuilt.status, 200);
    assert.equal(await rebuilt.text(), "<!doctype html><title>version 3</title>");
  });

  it("answers HEAD without a body and other verbs with 405 and Allow", async () => {
    const head = await fetch(`${url}/ui/app-ABC.js`, { method: "HEAD", headers: { "accept-encoding": "identity" } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "14");
    assert.equal(await head.text(), "");
    const post = await fetch(`${url}/ui`, { method: "POST", body: "{}" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
  });
});
