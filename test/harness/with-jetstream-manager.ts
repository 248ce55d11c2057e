import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamManager } from "@nats-io/jetstream";

/**
 * Opens one connection to `servers` (no reconnects; 2 s to connect and per
 * JetStream request), runs `fn` with a JetStream manager on it, and closes
 * the connection whatever `fn` does. For probes that are retried by the
 * caller, so it fails fast instead of waiting for a server to come back.
 */
export async function withJetStreamManager<T>(servers: string | string[], fn: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers, reconnect: false, timeout: 2_000 });
  try {
    return await fn(await jetstreamManager(nc, { timeout: 2_000 }));
  } finally {
    await nc.close().catch(() => {});
  }
}

/** Asks JetStream for the account info through `servers`; true when it answers, throws when it does not. */
export function jetStreamAnswers(servers: string | string[]): Promise<boolean> {
  return withJetStreamManager(servers, async (jsm) => {
    await jsm.getAccountInfo();
    return true;
  });
}
