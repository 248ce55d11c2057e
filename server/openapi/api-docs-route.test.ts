import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import { applySecurityHeaders } from "../http/security-headers.js";
import { buildRouteTable } from "../rest/route-table.js";
import { createApiDocsRoute } from "./api-docs-route.js";
import { DOCS_CSP } from "./docs-page.js";
import { buildOpenApiDocument } from "./openapi-document.js";

describe("the API docs route", () => {
  const document = buildOpenApiDocument(buildRouteTable([SystemService]), [SystemService]);
  let server: Server;
  let url: string;
  before(async () => {
    const route = createApiDocsRoute({ document });
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
  after(() => server.close());

  it("serves the document as JSON, gzipped when accepted, with one ETag per encoding", async () => {
    const plain = await fetch(`${url}/openapi.json?x=1`, { headers: { "accept-encoding": "identity" } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("content-type"), "application/json");
    assert.equal(plain.headers.get("cache-control"), "public, max-age=300");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(plain.headers.get("vary"), "accept-encoding");
    const text = await plain.text();
    assert.deepEqual(JSON.parse(text), document);
    assert.equal(plain.headers.get("content-length"), String(Buffer.byteLength(text)));

    const gz = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      // node:http rather than fetch, which would unzip and hide the bytes.
      get(`${url}/openapi.json`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).once("error", reject);
    });
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(gz.body).toString(), text);
    assert.notEqual(gz.headers["etag"], plain.headers.get("etag"));

    for (const [encoding, etag] of [["identity", plain.headers.get("etag")!], ["gzip", String(gz.headers["etag"])]]) {
      const res = await fetch(`${url}/openapi.json`, { headers: { "accept-encoding": encoding!, "if-none-match": etag! } });
      assert.equal(res.status, 304, encoding);
      assert.equal(await res.text(), "");
    }
    const stale = await fetch(`${url}/openapi.json`, { headers: { "accept-encoding": "identity", "if-none-match": '"old"' } });
    assert.equal(stale.status, 200);
  });

  it("answers HEAD without a body and other verbs with 405 and Allow", async () => {
    const head = await fetch(`${url}/openapi.json`, { method: "HEAD", headers: { "accept-encoding": "identity" } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(Buffer.byteLength(JSON.stringify(document))));
    assert.equal(await head.text(), "");
    for (const path of ["/openapi.json", "/docs", "/docs/swagger-ui.css"]) {
      const res = await fetch(`${url}${path}`, { method: "POST", body: "{}" });
      assert.equal(res.status, 405, path);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
      assert.equal(((await res.json()) as { code: string }).code, "unimplemented");
    }
  });

  it("serves the page at /docs and /docs/ with its own CSP, and only there", async () => {
    for (const path of ["/docs", "/docs/"]) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(res.headers.get("content-security-policy"), DOCS_CSP);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assert.match(await res.text(), /<script src="\/docs\/docs-init\.js"><\/script>/);
    }
    const script = await fetch(`${url}/docs/swagger-ui-bundle.js`);
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(script.headers.get("cache-control"), "public, max-age=3600");
    assert.match(await script.text(), /SwaggerUIBundle/);
    assert.equal(script.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'", "the API's policy stays on everything else");
  });

  it("leaves other paths alone, unknown files under /docs/ included", async () => {
    for (const path of ["/", "/doc", "/docs.json", "/docs/index.html", "/docs/swagger-ui.js", "/docs/__proto__", "/openapi.json/x"]) {
      assert.equal((await fetch(`${url}${path}`)).status, 418, path);
    }
  });
});
