/**
 * The page's connections to the API, all over one Connect transport to the
 * page's own origin: the project's browser client for everything it covers,
 * and a connect-web client of the generated TaskService for what it does
 * not (ListTasks one page at a time, with its page tokens).
 */
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { bearerTokenInterceptor, createTasksClientWith, type TasksClient } from "../../../client/browser.js";
import { TaskService } from "../../../gen/tstasks/v1/task_service_pb.js";

/** Everything the pages call. */
export interface Api {
  /** The tstasks browser client: submit, get, watch, logs, cancel, retry, types, workers, stats, createToken. */
  client: TasksClient;
  /**
   * TaskService itself, for ListTasks: the client's `list` iterates over
   * every page, where the task list shows one page at a time, re-reads it
   * every few seconds and steps back, which needs the page tokens.
   */
  tasks: Client<typeof TaskService>;
  /** Signs the user out: for a 401 that reached the page past the interceptor (a stream's end message). */
  unauthenticated: () => void;
}

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** The current token, read before every call (none: anonymous). */
  token: () => string | undefined;
  /** Called when the server refused the token the page sent (401: expired, or keys rotated). */
  onUnauthenticated: () => void;
}

/**
 * Connects to the server that served the page (`location.origin`), so no
 * CORS setting is needed. Every call that sent a token and got
 * `Unauthenticated` calls `onUnauthenticated` before its error reaches the
 * page; a failed login sends no token, so it does not.
 */
export function createApi(options: ApiOptions): Api {
  const signOutOn401: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (e) {
      if (req.header.has("authorization") && isUnauthenticatedError(e)) options.onUnauthenticated();
      throw e;
    }
  };
  const transport = createConnectTransport({
    baseUrl: location.origin,
    interceptors: [signOutOn401, bearerTokenInterceptor(options.token)],
  });
  return {
    client: createTasksClientWith(transport),
    tasks: createClient(TaskService, transport),
    unauthenticated: options.onUnauthenticated,
  };
}

/** True for a ConnectError with code Unauthenticated. */
export function isUnauthenticatedError(e: unknown): boolean {
  return e instanceof ConnectError && e.code === Code.Unauthenticated;
}
