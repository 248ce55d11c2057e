import assert from "node:assert/strict";
import { test } from "node:test";
import { createExclusiveGate } from "./exclusive-gate.js";

const tick = () => new Promise((r) => setImmediate(r));

test("shared holds run together; an exclusive one waits for them and then runs alone", async () => {
  const gate = createExclusiveGate();
  const a = await gate.shared();
  const b = await gate.shared();
  let exclusiveGranted = false;
  const pending = gate.exclusive().then((release) => {
    exclusiveGranted = true;
    return release;
  });
  // A shared hold asked for after the exclusive one waits behind it.
  let lateShared = false;
  const late = gate.shared().then((release) => {
    lateShared = true;
    return release;
  });
  await tick();
  assert.equal(exclusiveGranted, false);
  a();
  await tick();
  assert.equal(exclusiveGranted, false, "still one shared holder");
  b();
  b(); // twice is harmless
  const exclusive = await pending;
  await tick();
  assert.equal(lateShared, false, "nothing runs beside the exclusive hold");
  exclusive();
  (await late)();
  assert.equal(lateShared, true);
});

test("exclusive holds run one at a time, in order", async () => {
  const gate = createExclusiveGate();
  const order: string[] = [];
  const first = await gate.exclusive();
  const second = gate.exclusive().then((r) => (order.push("second"), r));
  const third = gate.shared().then((r) => (order.push("third"), r));
  await tick();
  assert.deepEqual(order, []);
  first();
  (await second)();
  (await third)();
  assert.deepEqual(order, ["second", "third"]);
});

test("busy and clear() follow the exclusive holds, active or waiting", async () => {
  const gate = createExclusiveGate();
  assert.equal(gate.busy, false);
  await gate.clear();
  const shared = await gate.shared();
  const exclusive = gate.exclusive();
  assert.equal(gate.busy, true, "an exclusive hold waits");
  let cleared = false;
  const clearing = gate.clear().then(() => (cleared = true));
  shared();
  const release = await exclusive;
  await tick();
  assert.equal(cleared, false, "not clear while the exclusive hold is active");
  release();
  await clearing;
  assert.equal(gate.busy, false);
});

test("a pin is taken at once even while an exclusive hold waits, which then waits for the pin too", async () => {
  const gate = createExclusiveGate();
  const shared = await gate.shared();
  let exclusiveGranted = false;
  const pending = gate.exclusive().then((release) => {
    exclusiveGranted = true;
    return release;
  });
  assert.equal(gate.busy, true);
  // A claim already in flight when the exclusive hold queued: pinned at once, not queued behind it.
  const unpin = gate.pin();
  shared();
  await tick();
  assert.equal(exclusiveGranted, false, "the pin holds the exclusive hold off");
  unpin();
  unpin(); // twice is harmless
  const exclusive = await pending;
  assert.equal(exclusiveGranted, true);
  assert.throws(() => gate.pin(), /exclusive hold is active/);
  exclusive();
  assert.equal(gate.busy, false);
  gate.pin()();
});
