/**
 * Compile-time test of typed task calls: `npx tsc -p .` (part of `npm test`)
 * fails when a correct call stops compiling, or when a line marked
 * `@ts-expect-error` (a wrong call) starts compiling. Never run, only type-checked.
 */
import type { add, hypot } from "../taskpacks/test/main.js";
import type { sleep } from "../taskpacks/demo/main.js";
import type { ArgsOf, ResultOf, TasksClient } from "./index.js";

declare const client: TasksClient;

/** Fails to compile unless A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

export async function typedCalls(): Promise<void> {
  const sum: number = await client.run<typeof add>("test.main.add", { x: 1, y: 2 });
  assertType<Equal<Awaited<ReturnType<typeof client.run<typeof add>>>, number>>();
  assertType<Equal<ArgsOf<typeof add>, { x: number; y: number }>>();
  assertType<Equal<ResultOf<typeof add>, number>>();
  assertType<Equal<ResultOf<typeof sleep>, { slept: number }>>();
  void sum;

  // @ts-expect-error x must be a number
  await client.run<typeof add>("test.main.add", { x: "1", y: 2 });
  // @ts-expect-error y is missing
  await client.run<typeof add>("test.main.add", { x: 1 });
  // @ts-expect-error z is not an argument of add (strict object)
  await client.run<typeof add>("test.main.add", { x: 1, y: 2, z: 3 });
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await client.run<typeof add>("test.main.add", { x: 1, y: 2 });
  void wrong;
  // @ts-expect-error hypot takes x and y, not ms
  await client.run<typeof hypot>("test.main.hypot", { ms: 5 });

  // Typed submit checks the arguments too.
  await client.submit<typeof sleep>("demo.main.sleep", { ms: 10 });
  // @ts-expect-error ms must be a number
  await client.submit<typeof sleep>("demo.main.sleep", { ms: "10" });

  // Untyped calls take any JSON object and give unknown.
  const anything = await client.run("test.main.add", { x: 1, y: 2 });
  assertType<Equal<typeof anything, unknown>>();
  assertType<Equal<ArgsOf<{ not: "a task" }>, Record<string, unknown>>>();
  assertType<Equal<ResultOf<string>, unknown>>();
  // @ts-expect-error args must be an object even untyped
  await client.run("test.main.add", 5);
}
