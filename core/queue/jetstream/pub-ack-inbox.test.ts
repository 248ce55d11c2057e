import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { startNats } from "../../../test/harness/nats-server.js";
import type { NatsServer } from "../../../test/harness/nats-server.js";
import { PubAckError, PubAckInbox } from "./pub-ack-inbox.js";

describe("PubAckInbox", () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  before(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: "PUBACK",
      subjects: ["puback.>"],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.Memory,
      max_msgs_per_subject: 3,
      discard_new_per_subject: true,
      discard: DiscardPolicy.New,
    });
  });

  after(async () => {
    await nc.close();
    await nats.stop();
  });

  const stored = async (): Promise<number> => (await (await jetstreamManager(nc)).streams.info("PUBACK")).state.messages;

  test("resolves once the stream stored each message, and stores a repeated id once", async () => {
    const inbox = new PubAckInbox(nc);
    await Promise.all(["a", "b", "a"].map((id) => inbox.publish("puback.one", `{"id":"${id}"}`, id)));
    assert.equal(await stored(), 2);
    inbox.close();
  });

  test("rejects a subject no stream takes (503 no responders)", async () => {
    const inbox = new PubAckInbox(nc);
    await assert.rejects(inbox.publish("nostream.x", "{}", "x"), (e: unknown) => e instanceof PubAckError && /no responders/.test(e.message));
    inbox.close();
  });

  test("rejects what the stream refuses, with the stream's reason, and settles the rest", async () => {
    const inbox = new PubAckInbox(nc);
    // max_msgs_per_subject 3 with discard new: the fourth and fifth on one subject are refused.
    const results = await Promise.allSettled(["1", "2", "3", "4", "5"].map((id) => inbox.publish("puback.full", "{}", `full-${id}`)));
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "fulfilled", "fulfilled", "rejected", "rejected"],
    );
    const refused = results[3] as PromiseRejectedResult;
    assert.ok(refused.reason instanceof PubAckError && /stream refused the message/.test(refused.reason.message), String(refused.reason));
    inbox.close();
  });

  test("rejects after the timeout when nothing answers, and close() rejects what still waits", async () => {
    // A plain subscriber takes the subject, so there is a responder (no 503), but it never answers.
    const silent = nc.subscribe("silent.x", { callback: () => {} });
    const inbox = new PubAckInbox(nc, 300);
    const started = Date.now();
    await assert.rejects(inbox.publish("silent.x", "{}", "s1"), (e: unknown) => e instanceof PubAckError && /no PubAck within 300 ms/.test(e.message));
    assert.ok(Date.now() - started >= 300);
    const waiting = inbox.publish("silent.x", "{}", "s2");
    inbox.close();
    await assert.rejects(waiting, /connection closed before the stream acknowledged/);
    silent.unsubscribe();
  });
});
