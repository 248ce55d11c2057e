import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { collectArg, mergeTaskArgs, parseJsonObject } from "./task-args.js";

test("--arg: VALUE is JSON when it parses, else the string itself; the first = splits", () => {
  let args: Record<string, unknown> | undefined;
  for (const a of ["x=1", "s=hello", "b=true", "n=null", "l=[1,2]", 'o={"k":"v"}', 'q="1"', "eq=a=b", "empty=", "f=1.5", "sp=hello world"]) {
    args = collectArg(a, args);
  }
  assert.deepEqual(args, {
    x: 1,
    s: "hello",
    b: true,
    n: null,
    l: [1, 2],
    o: { k: "v" },
    q: "1",
    eq: "a=b",
    empty: "",
    f: 1.5,
    sp: "hello world",
  });
  assert.deepEqual(collectArg("x=2", collectArg("x=1")), { x: 2 }, "a later --arg of the same key wins");
});

test("--arg without KEY= is a usage error", () => {
  for (const bad of ["novalue", "=1", ""]) assert.throws(() => collectArg(bad), InvalidArgumentError, bad);
});

test("--arg __proto__ is an ordinary key, not the prototype", () => {
  const args = collectArg('__proto__={"polluted":true}');
  assert.equal(Object.getPrototypeOf(args), Object.prototype);
  assert.deepEqual(Object.keys(args), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});

test("--json must be a JSON object; --arg is merged over it", () => {
  assert.deepEqual(parseJsonObject('{"x":1,"y":{"z":2}}'), { x: 1, y: { z: 2 } });
  for (const bad of ["[1]", "1", "null", '"s"', "{x:1}", ""]) assert.throws(() => parseJsonObject(bad), InvalidArgumentError, bad);
  assert.deepEqual(mergeTaskArgs({ x: 1, y: 1 }, { y: 2 }), { x: 1, y: 2 });
  assert.deepEqual(mergeTaskArgs(undefined, undefined), {});
});
