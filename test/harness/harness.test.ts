import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { freePort } from "./free-port.js";
import { startNats } from "./nats-server.js";
import type { NatsServer } from "./nats-server.js";
import { startPostgres } from "./postgres-server.js";
import type { PostgresServer } from "./postgres-server.js";

/** Connects a pg client that tolerates its server dying under it. */
async function pgClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  return client;
}

describe("freePort", () => {
  test("returns a port that can be bound on 127.0.0.1", async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `bad port ${port}`);
  });
});

describe("startPostgres", () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test("serves the tstasks_test database at its url", async () => {
    assert.equal(server.url, `postgres://postgres@127.0.0.1:${server.port}/tstasks_test`);
    const client = await pgClient(server.url);
    try {
      const { rows } = await client.query<{ db: string; fsync: string }>(
        "select current_database() as db, current_setting('fsync') as fsync",
      );
      assert.deepEqual(rows, [{ db: "tstasks_test", fsync: "off" }]);
    } finally {
      await client.end();
    }
  });

  test("createDatabase makes a separate, usable database", async () => {
    const url = await server.createDatabase("harness_other");
    assert.equal(url, `postgres://postgres@127.0.0.1:${server.port}/harness_other`);
    const client = await pgClient(url);
    try {
      const { rows } = await client.query<{ db: string }>("select current_database() as db");
      assert.equal(rows[0]?.db, "harness_other");
    } finally {
      await client.end();
    }
    await assert.rejects(server.createDatabase("Bad-Name"), /invalid database name/);
  });

  test("kill drops connections; restart keeps committed data on the same port", async () => {
    const client = await pgClient(server.url);
    await client.query("create table survivor (id int primary key)");
    // The server runs with synchronous_commit=off; ask for a real WAL write so
    // the row is in the kernel's hands before the SIGKILL.
    await client.query("set synchronous_commit = on");
    await client.query("insert into survivor values (42)");

    await server.kill();
    await assert.rejects(client.query("select 1"));
    await client.end().catch(() => {});
    await assert.rejects(pgClient(server.url));

    await server.restart();
    const again = await pgClient(server.url);
    try {
      const { rows } = await again.query<{ id: number }>("select id from survivor");
      assert.deepEqual(rows, [{ id: 42 }]);
    } finally {
      await again.end();
    }
  });

  test("stop shuts the server down for good", async () => {
    const port = server.port;
    await server.stop();
    await assert.rejects(pgClient(`postgres://postgres@127.0.0.1:${port}/tstasks_test`));
    await assert.rejects(server.restart(), /data directory is gone/);
  });
});

describe("startNats", () => {
  let server: NatsServer;
  before(async () => {
    server = await startNats();
  });
  after(async () => {
    await server?.stop();
  });

  test("serves JetStream at its url", async () => {
    assert.equal(server.url, `nats://127.0.0.1:${server.port}`);
    const nc = await connect({ servers: server.url, reconnect: false });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "HARNESS", subjects: ["harness.>"] });
      const ack = await jetstream(nc).publish("harness.one", "hello");
      assert.equal(ack.stream, "HARNESS");
      assert.equal(ack.seq, 1);
    } finally {
      await nc.close();
    }
  });

  test("kill takes it down; restart serves the same store on the same port", async () => {
    const nc = await connect({ servers: server.url, reconnect: false });
    const closed = nc.closed();
    await server.kill();
    // With reconnect off the client closes when the server disappears.
    await closed;
    await assert.rejects(connect({ servers: server.url, reconnect: false, timeout: 1_000 }));

    await server.restart();
    const again = await connect({ servers: server.url, reconnect: false });
    try {
      const jsm = await jetstreamManager(again);
      // The stream made before the kill is still defined: the store dir was kept.
      const info = await jsm.streams.info("HARNESS");
      assert.deepEqual(info.config.subjects, ["harness.>"]);
      const ack = await jetstream(again).publish("harness.two", "again");
      assert.equal(ack.stream, "HARNESS");
    } finally {
      await again.close();
    }
  });

  test("stop shuts the server down for good", async () => {
    await server.stop();
    await assert.rejects(connect({ servers: server.url, reconnect: false, timeout: 1_000 }));
    await assert.rejects(server.restart(), /store is gone/);
  });
});
