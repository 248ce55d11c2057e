/**
 * The JetStream ceiling's consumer, in its own process as a tstasks worker
 * is: pulls from a durable consumer the benchmark made and acks each message
 * (nothing stored anywhere else).
 *
 *   node --import tsx bench/children/jetstream-consumer.ts <nats-url> <stream> <consumer> <count> <max-messages>
 *
 * Prints `ready` once pulling, then `done <ns>` (hrtime) after the
 * `count`-th ack. Every message whose header `reply-to` is set is also
 * answered there on core NATS with `<its payload> <hrtime at receipt>`, so
 * the benchmark can time publish → consumer and publish → answer seen.
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { exitWithParent } from "../lib/exit-with-parent.js";

async function main(): Promise<void> {
  exitWithParent();
  const [url, stream, durable, countArg, maxArg] = process.argv.slice(2);
  if (url === undefined || stream === undefined || durable === undefined) {
    throw new Error("usage: jetstream-consumer.ts <nats-url> <stream> <consumer> <count> <max-messages>");
  }
  const count = Number(countArg);
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: Number(maxArg ?? 1000) });
  console.log("ready");
  let acked = 0;
  const encoder = new TextEncoder();
  for await (const m of messages) {
    const receivedNs = process.hrtime.bigint();
    m.ack();
    const replyTo = m.headers?.get("reply-to");
    if (replyTo) nc.publish(replyTo, encoder.encode(`${m.string()} ${receivedNs}`));
    if (++acked === count) {
      await nc.flush();
      console.log(`done ${process.hrtime.bigint()}`);
      break;
    }
  }
  await nc.drain();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
