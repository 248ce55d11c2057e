import assert from "node:assert/strict";
import { it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { backoffDelay, retryUnavailable } from "./retry-unavailable.js";

const fast = { baseDelayMs: 1, maxDelayMs: 2 };

it("retries Unavailable until the call succeeds", async () => {
  let calls = 0;
  const value = await retryUnavailable(async () => {
    if (++calls < 3) throw new ConnectError("down", Code.Unavailable);
    return "ok";
  }, { retries: 3, ...fast });
  assert.equal(value, "ok");
  assert.equal(calls, 3);
});

it("gives up after `retries` retries with the last Unavailable", async () => {
  let calls = 0;
  await assert.rejects(
    retryUnavailable(async () => {
      throw new ConnectError(`down ${++calls}`, Code.Unavailable);
    }, { retries: 2, ...fast }),
    /down 3/,
  );
  assert.equal(calls, 3);
});

it("never retries other codes", async () => {
  for (const code of [Code.NotFound, Code.Internal, Code.DeadlineExceeded, Code.Aborted, Code.ResourceExhausted]) {
    let calls = 0;
    await assert.rejects(
      retryUnavailable(async () => {
        calls++;
        throw new ConnectError("no", code);
      }, { retries: 5, ...fast }),
      (e: unknown) => e instanceof ConnectError && e.code === code,
    );
    assert.equal(calls, 1, Code[code]);
  }
});

it("stops waiting when the signal aborts (Canceled)", async () => {
  const abort = new AbortController();
  let calls = 0;
  const pending = retryUnavailable(async () => {
    calls++;
    abort.abort();
    throw new ConnectError("down", Code.Unavailable);
  }, { retries: 5, baseDelayMs: 60_000, signal: abort.signal });
  await assert.rejects(pending, (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable);
  assert.equal(calls, 1);

  const later = new AbortController();
  const sleeping = retryUnavailable(async () => {
    throw new ConnectError("down", Code.Unavailable);
  }, { retries: 5, baseDelayMs: 60_000, signal: later.signal });
  setTimeout(() => later.abort(), 10);
  await assert.rejects(sleeping, (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled);
});

it("backoff doubles, is capped, and jitters within [half, full]", () => {
  for (let i = 0; i < 200; i++) {
    const d0 = backoffDelay(0, 100, 1000);
    const d3 = backoffDelay(3, 100, 1000);
    const d9 = backoffDelay(9, 100, 1000);
    assert.ok(d0 >= 50 && d0 <= 100, String(d0));
    assert.ok(d3 >= 400 && d3 <= 800, String(d3));
    assert.ok(d9 >= 500 && d9 <= 1000, String(d9));
  }
});
