/**
 * The script of the Chromium test's page, bundled with the browser entry of
 * the client by esbuild. It exposes `runScenario` for the test to call with
 * `page.evaluate`: submit a small pi task, watch it to the end, report back.
 */
import { createTasksClient, isTaskFailed, type Protocol, type TaskEvent } from "../../client/browser.js";

/** What the page reports to the test (plain JSON, so it crosses `page.evaluate`). */
export interface ScenarioOutcome {
  taskId: string;
  /** The task's owner: the token's user, if the authorization header got through CORS. */
  owner: string;
  kinds: TaskEvent["kind"][];
  progress: number[];
  logLines: string[];
  finalStatus: string;
  result: unknown;
  /** `result()` of the same task, read again after the watch. */
  again: unknown;
  /** The error of creating a "grpc" client in a browser. */
  grpcRefusal: string;
  /** What `result()` of a refused task threw. */
  failure: { isTaskFailed: boolean; code: string; errorType: string };
  origin: string;
}

async function runScenario(baseUrl: string, protocol: Protocol, token: string): Promise<ScenarioOutcome> {
  const client = createTasksClient({ baseUrl, protocol, token });
  // Delayed by a second so the watch is surely subscribed before the task runs: progress
  // events are live only, and a task that finished before the watch began would show none.
  const task = await client.submit("demo.main.pi", { samples: 100_000, chunks: 5, pauseMs: 50 }, { delayMs: 1000 });
  const kinds: TaskEvent["kind"][] = [];
  const progress: number[] = [];
  const logLines: string[] = [];
  let finalStatus = "";
  let result: unknown;
  for await (const event of client.watch(task.id)) {
    kinds.push(event.kind);
    if (event.kind === "progress") progress.push(event.fraction);
    if (event.kind === "log") logLines.push(event.line.message);
    if (event.kind === "task") {
      finalStatus = event.task.status;
      result = event.task.result;
    }
  }
  let grpcRefusal = "";
  try {
    createTasksClient({ baseUrl, protocol: "grpc" });
  } catch (e) {
    grpcRefusal = e instanceof Error ? e.message : String(e);
  }
  const failure = await client.run("demo.main.refuse", { reason: "no" }).then(
    () => ({ isTaskFailed: false, code: "", errorType: "" }),
    (e: unknown) => ({
      isTaskFailed: isTaskFailed(e),
      code: isTaskFailed(e) ? e.code : String(e),
      errorType: isTaskFailed(e) ? (e.taskError?.type ?? "") : "",
    }),
  );
  return {
    taskId: task.id,
    owner: task.owner,
    kinds,
    progress,
    logLines,
    finalStatus,
    result,
    again: await client.result(task.id),
    grpcRefusal,
    failure,
    origin: (globalThis as unknown as { location: { origin: string } }).location.origin,
  };
}

(globalThis as unknown as { runScenario: typeof runScenario }).runScenario = runScenario;
