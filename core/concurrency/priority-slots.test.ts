import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PrioritySlots, type SlotAnswer } from "./priority-slots.js";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Lets every resolved promise's callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

/** Queues one waiter per entry on a full one-slot semaphore and records the order in which they are granted. */
async function grantOrder(slots: PrioritySlots, waiters: { name: string; priority: number; since?: number }[]): Promise<string[]> {
  const order: string[] = [];
  for (const w of waiters) {
    void slots.acquire(w.priority, w.since).then((answer) => {
      if (answer === "granted") order.push(w.name);
    });
  }
  for (let i = 0; i < waiters.length; i++) {
    slots.release();
    await settle();
  }
  return order;
}

describe("PrioritySlots", () => {
  it("grants at once while slots are free, then makes acquires wait", async () => {
    const slots = new PrioritySlots(2);
    assert.equal(await slots.acquire(1), "granted");
    assert.equal(await slots.acquire(10), "granted");
    let answer: SlotAnswer | undefined;
    void slots.acquire(5).then((a) => (answer = a));
    await settle();
    assert.equal(answer, undefined);
    assert.equal(slots.waiting, 1);
    slots.release();
    await settle();
    assert.equal(answer, "granted");
    assert.equal(slots.used, 2);
  });

  it("hands a freed slot to the highest priority waiting, first in first out among equals", async () => {
    const clock = manualClock();
    const slots = new PrioritySlots(1, { now: clock.now });
    assert.ok(slots.tryAcquire());
    const order = await grantOrder(slots, [
      { name: "p1", priority: 1 },
      { name: "p5", priority: 5 },
      { name: "p10-a", priority: 10 },
      { name: "p3", priority: 3 },
      { name: "p10-b", priority: 10 },
      { name: "p5-b", priority: 5 },
    ]);
    assert.deepEqual(order, ["p10-a", "p10-b", "p5", "p5-b", "p3", "p1"]);
  });

  it("among equal effective priorities, the one due earliest goes first, whatever the order they asked in", async () => {
    const clock = manualClock();
    const slots = new PrioritySlots(1, { now: clock.now, agingMs: 1000 });
    assert.ok(slots.tryAcquire());
    const t = clock.now();
    // A 4 due 1.5 s ago has aged to 5: it ties with the fresh 5 and, older, goes first.
    const order = await grantOrder(slots, [
      { name: "fresh-5", priority: 5, since: t },
      { name: "aged-4", priority: 4, since: t - 1500 },
    ]);
    assert.deepEqual(order, ["aged-4", "fresh-5"]);
  });

  it("ages: a priority-1 waiter gets through a steady stream of priority-10 ones", async () => {
    const clock = manualClock();
    const slots = new PrioritySlots(1, { now: clock.now, agingMs: 100 });
    assert.ok(slots.tryAcquire());
    let lowGranted = false;
    void slots.acquire(1).then((a) => (lowGranted = a === "granted"));
    let highsRun = 0;
    // Every 20 ms a new 10 arrives and the running task finishes: without aging the 1 would wait forever.
    for (let step = 0; step < 200 && !lowGranted; step++) {
      void slots.acquire(10).then((a) => {
        if (a === "granted") highsRun++;
      });
      clock.advance(20);
      slots.release();
      await settle();
    }
    assert.ok(lowGranted, "the priority-1 waiter starved");
    // It needs 9 aging steps (900 ms, 45 releases) to rank with the 10s; it may not jump the queue much earlier.
    assert.ok(highsRun >= 40 && highsRun <= 50, `it ran after ${highsRun} priority-10 ones`);
  });

  it("displace: the lowest waiter gives way to higher work, never to equal or lower", async () => {
    const clock = manualClock();
    const slots = new PrioritySlots(1, { now: clock.now });
    assert.ok(slots.tryAcquire());
    const answers = new Map<string, SlotAnswer>();
    for (const [name, p] of [["p2-a", 2], ["p2-b", 2], ["p7", 7]] as const) {
      void slots.acquire(p).then((a) => answers.set(name, a));
    }
    assert.equal(slots.displace(2), false, "an equal priority displaced a waiter");
    assert.equal(slots.displace(1), false);
    assert.equal(slots.displace(6), true);
    await settle();
    // The newest of the lowest level goes: the older 2 keeps its place.
    assert.deepEqual([...answers], [["p2-b", "displaced"]]);
    assert.equal(slots.waiting, 2);
    slots.release();
    await settle();
    assert.equal(answers.get("p7"), "granted");
  });

  it("close answers every waiter and refuses new acquires; idle waits for the last release", async () => {
    const slots = new PrioritySlots(1);
    assert.equal(await slots.acquire(), "granted");
    const waiting = [slots.acquire(3), slots.acquire(9)];
    slots.close();
    assert.deepEqual(await Promise.all(waiting), ["closed", "closed"]);
    assert.equal(await slots.acquire(10), "closed");
    let idle = false;
    void slots.idle().then(() => (idle = true));
    await settle();
    assert.equal(idle, false);
    slots.release();
    await settle();
    assert.equal(idle, true);
  });

  it("counts an out-of-range priority as 5 and refuses bad limits and aging", async () => {
    assert.throws(() => new PrioritySlots(0), RangeError);
    assert.throws(() => new PrioritySlots(1, { agingMs: 0 }), RangeError);
    const clock = manualClock();
    const slots = new PrioritySlots(1, { now: clock.now });
    assert.ok(slots.tryAcquire());
    const order = await grantOrder(slots, [
      { name: "p4", priority: 4 },
      { name: "p99", priority: 99 },
      { name: "p6", priority: 6 },
    ]);
    assert.deepEqual(order, ["p6", "p99", "p4"]);
  });
});
