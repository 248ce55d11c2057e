import assert from "node:assert/strict";
import { request, Agent } from "node:http";
import { connect } from "node:http2";
import { test } from "node:test";
import { createOnePortServer } from "./one-port-server.js";

/** GET / over `agent`, resolving with the body once the answer is complete. */
function get(port: number, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path: "/", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

test("close() ends idle keep-alive connections at once and lets a request in flight finish", async () => {
  let release: () => void = () => {};
  // Resolves once the slow server has the request in hand (then it is surely in flight).
  let arrived: () => void = () => {};
  const inHand = new Promise<void>((resolve) => (arrived = resolve));
  const server = createOnePortServer((_req, res) => res.end("ok"));
  const slow = createOnePortServer((_req, res) => {
    release = () => res.end("late");
    arrived();
  });
  const port = await server.listen(0, "127.0.0.1");
  const slowPort = await slow.listen(0, "127.0.0.1");
  const agent = new Agent({ keepAlive: true });
  try {
    assert.equal(await get(port, agent), "ok"); // leaves an idle keep-alive connection
    const started = Date.now();
    await server.close(30_000);
    assert.ok(Date.now() - started < 5_000, `close() waited ${Date.now() - started} ms for an idle connection`);

    const inFlight = get(slowPort, agent);
    await inHand;
    const closed = slow.close(30_000);
    release();
    assert.equal(await inFlight, "late", "the answer in flight was delivered");
    await closed;
  } finally {
    agent.destroy();
  }
});

test("close() asks idle HTTP/2 sessions (gRPC clients) to go away instead of waiting for the grace", async () => {
  const server = createOnePortServer((_req, res) => res.end("ok"));
  const port = await server.listen(0, "127.0.0.1");
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = session.request({ ":path": "/" });
      stream.on("error", reject);
      stream.resume();
      stream.on("end", () => resolve());
    });
    const started = Date.now();
    await server.close(30_000);
    assert.ok(Date.now() - started < 5_000, `close() waited ${Date.now() - started} ms for an idle session`);
  } finally {
    session.destroy();
  }
});
