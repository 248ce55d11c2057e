import assert from "node:assert/strict";
import { it } from "node:test";
import { KeyedTurns } from "./keyed-turns.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

it("turns of one key go one after the other, in the order taken", async () => {
  const turns = new KeyedTurns();
  const order: string[] = [];
  const a = turns.take("k");
  const b = turns.take("k");
  const c = turns.take("k");
  void b.ready.then(() => order.push("b"));
  void c.ready.then(() => order.push("c"));
  await a.ready;
  order.push("a");
  await tick();
  assert.deepEqual(order, ["a"], "b waits for a");
  a.done();
  await tick();
  assert.deepEqual(order, ["a", "b"], "c waits for b");
  b.done();
  b.done(); // idempotent: does not release c twice or early
  await tick();
  assert.deepEqual(order, ["a", "b", "c"]);
  c.done();
  await tick();
  assert.equal(turns.size, 0, "an empty line is forgotten");
});

it("turns of different keys do not wait for each other", async () => {
  const turns = new KeyedTurns();
  const a = turns.take("a");
  const b = turns.take("b");
  let bReady = false;
  void b.ready.then(() => (bReady = true));
  await tick();
  assert.equal(bReady, true);
  assert.equal(turns.size, 2);
  a.done();
  b.done();
  await tick();
  assert.equal(turns.size, 0);
});

it("a key taken again after its line emptied starts at once", async () => {
  const turns = new KeyedTurns();
  const a = turns.take("k");
  a.done();
  await tick();
  const b = turns.take("k");
  let ready = false;
  void b.ready.then(() => (ready = true));
  await tick();
  assert.equal(ready, true);
  b.done();
});
