import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Counter, Registry } from "prom-client";
import { answerMetrics, bearerMatches } from "./metrics-endpoint.js";

describe("bearerMatches", () => {
  const token = "s3cret-token-of-16+";
  it("accepts exactly the token after Bearer (any case of the scheme)", () => {
    assert.equal(bearerMatches(`Bearer ${token}`, token), true);
    assert.equal(bearerMatches(`bearer ${token}`, token), true);
  });
  it("refuses anything else", () => {
    for (const header of [undefined, "", token, `Bearer ${token}x`, `Bearer x${token}`, `Basic ${token}`, "Bearer ", ["Bearer", token]]) {
      assert.equal(bearerMatches(header, token), false, String(header));
    }
  });
});

describe("answerMetrics over HTTP", () => {
  const registry = new Registry();
  new Counter({ name: "t_hits_total", help: "Hits.", registers: [registry] }).inc(3);
  let open: Server;
  let closed: Server;
  const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`;
  before(async () => {
    open = createServer((req, res) => void answerMetrics(req, res, { registry }));
    closed = createServer((req, res) => void answerMetrics(req, res, { registry, token: "0123456789abcdef" }));
    await Promise.all([open, closed].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
  });
  after(() => Promise.all([open, closed].map((s) => new Promise((r) => s.close(r)))));

  it("serves the registry as Prometheus text with its content type; HEAD without a body", async () => {
    const res = await fetch(url(open));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), registry.contentType);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(await res.text(), /^t_hits_total 3$/m);
    const head = await fetch(url(open), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  it("answers 405 with Allow for other methods", async () => {
    const res = await fetch(url(open), { method: "POST", body: "x" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });

  it("with a token: 401 and WWW-Authenticate without it or with a wrong one, 200 with it", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token-0000000" }] as Record<string, string>[]) {
      const res = await fetch(url(closed), { headers });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.doesNotMatch(await res.text(), /t_hits_total/);
    }
    const ok = await fetch(url(closed), { headers: { authorization: "Bearer 0123456789abcdef" } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^t_hits_total 3$/m);
  });
});
