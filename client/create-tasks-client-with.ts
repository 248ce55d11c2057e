import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "../gen/tstasks/v1/auth_service_pb.js";
import { TaskStatus as ProtoStatus, type Task } from "../gen/tstasks/v1/task_pb.js";
import { TaskService } from "../gen/tstasks/v1/task_service_pb.js";
import { MonitorService } from "../gen/tstasks/v1/monitor_service_pb.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CallBehaviourOptions } from "./client-options.js";
import { bulkRequest, type BulkFilter } from "./bulk-filter.js";
import { newIdempotencyKey } from "./idempotency-key.js";
import { linkedAbort } from "./linked-abort.js";
import { logLineFromProto } from "./log-line.js";
import { retryUnavailable } from "./retry-unavailable.js";
import { submitManyResultFromProto, type SubmitManyResult } from "./submit-many-result.js";
import { submitRequest } from "./submit-request.js";
import { TaskFailedError } from "./task-failed-error.js";
import { statusToProto, taskFromProto, type TaskInfo } from "./task-info.js";
import { taskTypeFromProto } from "./task-type-info.js";
import { taskStatsFromProto } from "./task-stats-info.js";
import { workerFromProto } from "./worker-info.js";
import { createSchedulesClient } from "./schedules-client.js";
import { createGroupsClient } from "./groups-client.js";
import { createChainsClient } from "./chains-client.js";
import type { TasksClient } from "./tasks-client.js";
import { waitForFinal } from "./wait-for-final.js";
import { watchEvents } from "./watch-events.js";

/** Default per-call deadline in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default retries of `Unavailable` on safe calls. */
export const DEFAULT_RETRIES = 3;
/** Longest long-polling wait the server accepts. */
const MAX_WAIT_MS = 60_000;
/** Most tasks the server takes in one SubmitTasks call. */
export const MAX_TASKS_PER_CALL = 1000;

function taskOf(response: { task?: Task }): TaskInfo {
  if (!response.task) throw new ConnectError("the server answered without a task", Code.Internal);
  return taskFromProto(response.task);
}

/** The result of a final task, or the TaskFailedError it stands for. */
function outcome<R>(task: TaskInfo): R {
  if (task.status === "SUCCESS") return task.result as R;
  throw new TaskFailedError(task);
}

/**
 * A {@link TasksClient} over any Connect transport (the Node and browser
 * entries build one from `TasksClientOptions`; use this to bring your own,
 * e.g. with extra interceptors — put the bearer-token interceptor in it
 * yourself). `options.timeoutMs` default 30_000, `options.retries` default 3.
 */
export function createTasksClientWith(transport: Transport, options: CallBehaviourOptions = {}): TasksClient {
  const tasks = createClient(TaskService, transport);
  const auth = createClient(AuthService, transport);
  const monitor = createClient(MonitorService, transport);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = options.retries ?? DEFAULT_RETRIES;
  /** Call options: the client's deadline (plus `extraMs` for long polls) and the caller's signal. */
  const call = (signal?: AbortSignal, extraMs = 0) => ({ timeoutMs: timeoutMs > 0 ? timeoutMs + extraMs : undefined, signal });
  const safely = <T>(fn: () => Promise<T>, signal?: AbortSignal) => retryUnavailable(fn, { retries, signal });
  /** Call options of a bulk action: its own deadline when given (0: none), else the client's. */
  const bulkCall = (f: BulkFilter) => (f.timeoutMs === undefined ? call(f.signal) : { timeoutMs: f.timeoutMs > 0 ? f.timeoutMs : undefined, signal: f.signal });

  const client: TasksClient = {
    async submit(type, args, o = {}) {
      const { signal, ...options } = o;
      const request = submitRequest(type, args, options);
      const submitOnce = async () => taskOf(await tasks.submitTask(request, call(signal)));
      // Without a key, an Unavailable after the server stored the task would make a retry submit it twice.
      return o.idempotencyKey ? safely(submitOnce, signal) : submitOnce();
    },

    async submitMany(list, o = {}) {
      const results: SubmitManyResult[] = [];
      // One call after the other: the tasks are stored in list order, and a failed call stops the rest.
      for (let start = 0; start < list.length; start += MAX_TASKS_PER_CALL) {
        const part = list.slice(start, start + MAX_TASKS_PER_CALL);
        const request = { tasks: part.map(({ type, args, ...options }) => submitRequest(type, args, options)) };
        const submitOnce = () => tasks.submitTasks(request, call(o.signal));
        // As for submit: a retry could store a task without a key twice.
        const response = await (part.every((t) => t.idempotencyKey) ? safely(submitOnce, o.signal) : submitOnce());
        if (response.results.length !== part.length) {
          throw new ConnectError(`the server answered ${response.results.length} results for ${part.length} tasks`, Code.Internal);
        }
        for (const r of response.results) results.push(submitManyResultFromProto(r));
      }
      return results;
    },

    get(id, o = {}) {
      const waitMs = Math.min(Math.max(0, Math.ceil(o.waitMs ?? 0)), MAX_WAIT_MS);
      const wait = waitMs > 0 ? `${waitMs}ms` : "";
      return safely(async () => taskOf(await tasks.getTask({ id, wait }, call(o.signal, waitMs))), o.signal);
    },

    list(o = {}) {
      return (async function* () {
        let pageToken = "";
        do {
          const page = await safely(
            () =>
              tasks.listTasks(
                {
                  type: o.type ?? "",
                  status: o.status ? statusToProto(o.status) : ProtoStatus.UNSPECIFIED,
                  pageSize: o.pageSize ?? 0,
                  pageToken,
                  createdAfter: o.createdAfter ? timestampFromDate(o.createdAfter) : undefined,
                  createdBefore: o.createdBefore ? timestampFromDate(o.createdBefore) : undefined,
                },
                call(o.signal),
              ),
            o.signal,
          );
          for (const t of page.tasks) yield taskFromProto(t);
          pageToken = page.nextPageToken;
        } while (pageToken !== "");
      })();
    },

    async cancel(id) {
      return taskOf(await tasks.cancelTask({ id }, call()));
    },

    async retry(id) {
      return taskOf(await tasks.retryTask({ id }, call()));
    },

    async cancelMany(filter) {
      const request = bulkRequest(filter);
      const { matched, cancelled, skipped } = await safely(() => tasks.cancelTasks(request, bulkCall(filter)), filter.signal);
      return { matched, cancelled, skipped };
    },

    async retryMany(filter) {
      const { matched, retried, skipped } = await tasks.retryTasks(bulkRequest(filter), bulkCall(filter));
      return { matched, retried, skipped };
    },

    async types() {
      const response = await safely(() => tasks.listTaskTypes({}, call()));
      return Object.fromEntries(Object.entries(response.types).map(([name, t]) => [name, taskTypeFromProto(t)]));
    },

    async logs(id, o = {}) {
      const response = await safely(
        () => tasks.getTaskLogs({ id, afterSeq: BigInt(o.afterSeq ?? 0), pageSize: o.pageSize ?? 0 }, call(o.signal)),
        o.signal,
      );
      return { lines: response.lines.map(logLineFromProto), truncated: response.truncated };
    },

    watch(id, o = {}) {
      return watchEvents(tasks, id, { retries, signal: o.signal });
    },

    async result<R>(id: string, o: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<R> {
      const deadline = new ConnectError(`task ${id} was not final after ${o.timeoutMs} ms`, Code.DeadlineExceeded);
      const link = linkedAbort(o.signal, o.timeoutMs, () => deadline);
      try {
        return outcome<R>(await waitForFinal(client, id, link.signal));
      } catch (e) {
        // Whatever the aborted call threw, a timeout is reported as the timeout.
        if (link.signal.aborted && link.signal.reason === deadline) throw deadline;
        throw e;
      } finally {
        link.dispose();
      }
    },

    async run(type, args, o = {}) {
      const { resultTimeoutMs, ...submitOptions } = o;
      // A key of our own makes the submit safe to retry: a repeat returns the task stored first.
      const task = await client.submit(type, args, { ...submitOptions, idempotencyKey: o.idempotencyKey ?? newIdempotencyKey() });
      return client.result(task.id, { signal: o.signal, timeoutMs: resultTimeoutMs });
    },

    async workers(o = {}) {
      const response = await safely(() => monitor.listWorkers({}, call(o.signal)), o.signal);
      return response.workers.map(workerFromProto);
    },

    async stats(o = {}) {
      const request = { windowSeconds: o.windowSeconds ?? 0, bucketSeconds: o.bucketSeconds ?? 0 };
      return taskStatsFromProto(await safely(() => monitor.getTaskStats(request, call(o.signal)), o.signal));
    },

    schedules: createSchedulesClient(transport, { call, safely }),
    groups: createGroupsClient(transport, { call, safely }),
    chains: createChainsClient(transport, { call, safely }),

    async createToken(user, password) {
      const response = await auth.createToken({ user, password }, call());
      return response.exp > 0 ? { token: response.token, expiresAt: new Date(response.exp * 1000) } : { token: response.token };
    },
  };
  return client;
}
