/**
 * Typed task calls without importing task code at run time: pass the type of
 * a task definition (`typeof add`, from `import type { add } from
 * "some-taskpack/main.js"`) and the argument object and result are checked:
 *
 * ```ts
 * const sum = await client.run<typeof add>("test.main.add", { x: 1, y: 2 }); // sum: number
 * ```
 * Structural on purpose: anything shaped like a `defineTask` result works,
 * and this file depends on neither the server's code nor zod.
 */

/** What the typing needs of a task definition: its tag, its schema and its `run`. */
interface TaskDefinitionShape {
  readonly kind: "tstasks.task";
  readonly args: unknown;
  readonly run: (...params: never[]) => unknown;
}

/**
 * The argument object a task definition accepts: the schema's input type (a
 * zod 4 schema carries it as `_zod.input`), else `run`'s first parameter.
 * `Record<string, unknown>` when `T` is not a task definition (untyped calls).
 */
export type ArgsOf<T> = T extends TaskDefinitionShape
  ? T["args"] extends { readonly _zod: { readonly input: infer I } }
    ? I
    : T["run"] extends (args: infer A, ...rest: never[]) => unknown
      ? A
      : Record<string, unknown>
  : Record<string, unknown>;

/** The result a task definition produces (`run`'s return type, awaited); `unknown` when `T` is not one. */
export type ResultOf<T> = T extends TaskDefinitionShape ? Awaited<ReturnType<T["run"]>> : unknown;
