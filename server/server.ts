import { setMaxListeners } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { SystemService } from "../gen/tstasks/v1/system_service_pb.js";
import { TaskService } from "../gen/tstasks/v1/task_service_pb.js";
import { MonitorService } from "../gen/tstasks/v1/monitor_service_pb.js";
import { ScheduleService } from "../gen/tstasks/v1/schedule_service_pb.js";
import { createScheduleService } from "./routes/schedule-service.js";
import { GroupService } from "../gen/tstasks/v1/group_service_pb.js";
import { createGroupService } from "./routes/group-service.js";
import { createGroupEventsRoute } from "./http/group-events-route.js";
import { publishWithSpans } from "../core/telemetry/task-spans.js";
import { ChainService } from "../gen/tstasks/v1/chain_service_pb.js";
import { createChainService } from "./routes/chain-service.js";
import { createChainEventsRoute } from "./http/chain-events-route.js";
import { startScheduler, type SchedulerOptions } from "./schedules/scheduler.js";
import type { TaskQueue } from "../core/queue/task-queue.js";
import type { TaskStore } from "../core/store/task-store.js";
import { createTaskCatalog } from "./catalog/task-catalog.js";
import { toConnectError } from "./errors/to-connect-error.js";
import { withErrorMapping } from "./errors/with-error-mapping.js";
import { registerGrpcHealth } from "./health/grpc-health.js";
import { applyCors } from "./http/cors.js";
import { createOnePortServer, type OnePortServer } from "./http/one-port-server.js";
import { createTaskEventsRoute } from "./http/task-events-route.js";
import { registerReflection } from "./reflection/register-reflection.js";
import { createRestHandler } from "./rest/rest-handler.js";
import { buildRouteTable } from "./rest/route-table.js";
import { buildOpenApiDocument, createApiDocsRoute } from "./openapi/index.js";
import { createDashboardRoute } from "./dashboard/dashboard-route.js";
import { createSystemService, runReadinessChecks } from "./routes/system-service.js";
import { createTaskService } from "./routes/task-service.js";
import { createMonitorService } from "./routes/monitor-service.js";
import { createTaskSubmitter } from "./submit/task-submitter.js";
import { AuthService } from "../gen/tstasks/v1/auth_service_pb.js";
import type { UserStore } from "../core/store/users/user-store.js";
import { createCallerResolver } from "./access/caller.js";
import { contextValuesFor } from "./access/client-address.js";
import { createLoginThrottle } from "./auth/login-throttle.js";
import { createRateLimit, type RateLimit } from "./auth/rate-limit.js";
import type { TokenService } from "./auth/token-service.js";
import { applySecurityHeaders } from "./http/security-headers.js";
import { startExpirySweeper } from "./expiry-sweeper.js";
import { startOutboxDispatcher, type OutboxDispatcherOptions } from "./outbox-dispatcher.js";
import { startRetentionSweeper, type RetentionSweeperOptions } from "./retention-sweeper.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";
import { createAuthService } from "./routes/auth-service.js";
import type { Registry } from "prom-client";
import { createMetricsRegistry } from "../core/telemetry/metrics-registry.js";
import { withCallerTrace } from "../core/telemetry/task-spans.js";
import { createServerMetrics } from "./metrics/server-metrics.js";

/** What {@link build} needs: the backends, the token service and the HTTP settings. */
export interface ServerDeps {
  store: TaskStore;
  queue: TaskQueue;
  users: UserStore;
  tokens: TokenService;
  /** Submissions per second per principal or client address; 0: no limit. Default 1000. */
  submitRateLimit?: number;
  /** Token requests per minute per client address; 0: no limit. Default 30. */
  tokenRateLimit?: number;
  /** Deepest nesting accepted in task arguments. Default 32. */
  maxArgsDepth?: number;
  /** The outbox dispatcher's timing (defaults: every second, rows older than 3 s). */
  outbox?: OutboxDispatcherOptions;
  /** Allowed CORS origins; empty for none. Default []. */
  corsOrigins?: readonly string[];
  /** Largest accepted request body. Default 1 MiB. */
  maxRequestBytes?: number;
  /**
   * Result retention: delete finished tasks this long after they finished
   * (see {@link startRetentionSweeper}). Default: none, tasks are kept
   * forever; `startServer` passes the configured `RESULT_RETENTION` (7 days
   * unless set).
   */
  retention?: RetentionSweeperOptions;
  /**
   * Where the server's metrics register and what `GET /metrics` serves (the
   * entry points pass one with the process metrics; `npm start` shares it
   * with its worker). Default: a registry of its own, without process metrics.
   */
  metrics?: Registry;
  /**
   * The scheduler that submits the tasks of due schedules (see
   * {@link startScheduler}); `startServer` passes SCHEDULER_INTERVAL_MS.
   * Default: every second.
   */
  scheduler?: SchedulerOptions;
  /** Bearer secret `GET /metrics` requires (`METRICS_TOKEN`). Default: none, the endpoint is open like `/ping`. */
  metricsToken?: string;
  /** Tasks per batch (one transaction) of CancelTasks and RetryTasks, 1..10 000. Default 1000. */
  bulkBatchSize?: number;
  /**
   * The process's root logger; the server logs as component `server` (an
   * unexpected error, a publish that failed), its sweepers and dispatcher as
   * `expiry`, `outbox` and `retention` unless their options name a logger.
   * Default: {@link defaultLogger}.
   */
  log?: Logger;
}

/** A built, not yet listening, API server. */
export interface TasksServer extends OnePortServer {}

/**
 * Builds the API server: Connect, gRPC, gRPC-Web and REST (at the proto's
 * `google.api.http` paths) on one port, plus gRPC reflection and health.
 * Call `listen(0)` in tests. Closing the server does not close the store or
 * the queue: whoever made them closes them.
 */
export function build(deps: ServerDeps): TasksServer {
  const maxRequestBytes = deps.maxRequestBytes ?? 1 << 20;
  const corsOrigins = deps.corsOrigins ?? [];
  const shutdown = new AbortController();
  // Every in-flight request listens on this signal.
  setMaxListeners(0, shutdown.signal);
  const catalog = createTaskCatalog(deps.store);
  const log = deps.log ?? defaultLogger();
  const serverLog = log.child({ component: "server" });
  // Submit and request counts, store gauges at scrape time, GET /metrics.
  const metrics = createServerMetrics({
    registry: deps.metrics ?? createMetricsRegistry({ processMetrics: false }),
    token: deps.metricsToken,
    store: deps.store,
    routes: () => buildRouteTable(restDescriptors),
  });
  const submitter = createTaskSubmitter(deps.store, deps.queue, metrics.tasks, serverLog);
  const checks = { store: () => deps.store.ping(), queue: () => deps.queue.ping() };

  const caller = createCallerResolver(deps.tokens);
  const submitLimit = rateLimitOrNone("submit", deps.submitRateLimit ?? 1000, 1);
  const tokenLimit = rateLimitOrNone("token", deps.tokenRateLimit ?? 30, 60);

  // One implementation object per service serves both the Connect router and REST,
  // so authentication, validation and error mapping are the same on every protocol.
  const taskService = withErrorMapping(
    createTaskService({
      store: deps.store,
      catalog,
      submitter,
      caller,
      submitLimit,
      publishCancel: (id) => deps.queue.publishCancel(id),
      events: deps.queue,
      maxArgsDepth: deps.maxArgsDepth,
      log: serverLog,
      counters: metrics.tasks,
      bulkBatchSize: deps.bulkBatchSize,
    }),
    serverLog,
  );
  const systemService = withErrorMapping(createSystemService(checks), serverLog);
  // Workers, throughput, latency and queue depths (GET /workers, GET /stats): any signed-in user.
  const monitorService = withErrorMapping(createMonitorService({ store: deps.store, caller }), serverLog);
  // Schedules (POST/GET /schedules, …): every method needs a token; owners manage their own.
  const scheduleService = withErrorMapping(
    createScheduleService({ store: deps.store, catalog, caller, maxArgsDepth: deps.maxArgsDepth }),
    serverLog,
  );
  // Groups (POST /groups, GET /groups/{id}, …): fan-out / fan-in, owned like tasks.
  const groupService = withErrorMapping(
    createGroupService({
      store: deps.store,
      catalog,
      submitter,
      publish: (sources) => publishWithSpans(deps.queue, sources),
      caller,
      submitLimit,
      publishCancel: (id) => deps.queue.publishCancel(id),
      events: deps.queue,
      log: serverLog,
      counters: metrics.tasks,
      maxArgsDepth: deps.maxArgsDepth,
      bulkBatchSize: deps.bulkBatchSize,
    }),
    serverLog,
  );
  // Chains (POST/GET /chains, …): ownership as for tasks; steps move on in the store (see ChainStore).
  const chainService = withErrorMapping(
    createChainService({
      store: deps.store,
      catalog,
      submitter,
      caller,
      submitLimit,
      publishCancel: (id) => deps.queue.publishCancel(id),
      events: deps.queue,
      maxArgsDepth: deps.maxArgsDepth,
      log: serverLog,
      counters: metrics.tasks,
    }),
    serverLog,
  );
  const authService = withErrorMapping(
    createAuthService({ users: deps.users, tokens: deps.tokens, catalog, caller, tokenLimit, throttle: createLoginThrottle() }),
    serverLog,
  );

  const routes = (router: ConnectRouter): void => {
    router.service(TaskService, taskService);
    router.service(SystemService, systemService);
    router.service(AuthService, authService);
    router.service(MonitorService, monitorService);
    router.service(ScheduleService, scheduleService);
    router.service(GroupService, groupService);
    router.service(ChainService, chainService);
    registerGrpcHealth(router, async () => {
      const results = await runReadinessChecks(checks);
      return Object.values(results).every((v) => v === "ok");
    });
    // Reflection and health stay open to every caller (grpcurl, buf curl, probes).
    registerReflection(router, [TaskService, AuthService, SystemService, MonitorService, ScheduleService, GroupService, ChainService, Health]);
  };

  const restServices = [
    { service: TaskService, impl: taskService },
    { service: SystemService, impl: systemService },
    { service: AuthService, impl: authService },
    { service: MonitorService, impl: monitorService },
    { service: ScheduleService, impl: scheduleService },
    { service: GroupService, impl: groupService },
    { service: ChainService, impl: chainService },
  ];
  const rest = createRestHandler({
    services: restServices,
    contextValues: contextValuesFor,
    mapError: (e) => toConnectError(e, serverLog),
    maxBodyBytes: maxRequestBytes,
    shutdownSignal: shutdown.signal,
  });

  // GET /openapi.json and /docs: from the descriptors and the route table builder `rest` uses, so they describe what it serves.
  const restDescriptors = restServices.map((s) => s.service);
  const apiDocs = createApiDocsRoute({
    document: buildOpenApiDocument(buildRouteTable(restDescriptors), restDescriptors, { title: "tstasks" }),
  });

  // GET /ui: the web dashboard, built into dist/dashboard by `npm run build`.
  const dashboard = createDashboardRoute();

  // WatchTask as Server-Sent Events: a streaming method, which the REST transcoder does not serve.
  const taskEvents = createTaskEventsRoute({
    watch: (req, ctx) => taskService.watchTask(req, ctx),
    mapError: (e) => toConnectError(e, serverLog),
    contextValues: contextValuesFor,
    shutdownSignal: shutdown.signal,
  });

  // WatchGroup as Server-Sent Events, likewise.
  const groupEvents = createGroupEventsRoute({
    watch: (req, ctx) => groupService.watchGroup(req, ctx),
    mapError: (e) => toConnectError(e, serverLog),
    contextValues: contextValuesFor,
    shutdownSignal: shutdown.signal,
  });

  // WatchChain as Server-Sent Events (GET /chains/{id}/events), as WatchTask.
  const chainEvents = createChainEventsRoute({
    watch: (req, ctx) => chainService.watchChain(req, ctx),
    mapError: (e) => toConnectError(e, serverLog),
    contextValues: contextValuesFor,
    shutdownSignal: shutdown.signal,
  });

  const connect = connectNodeAdapter({
    routes,
    interceptors: [metrics.requests.interceptor],
    // Connect answers its own paths; everything else goes to the SSE route, the API docs, the dashboard or the REST transcoder.
    fallback: (req, res) => {
      const response = res as unknown as ServerResponse;
      const request = req as unknown as IncomingMessage;
      metrics.requests.observeHttp(request, response);
      if (!metrics.route(request, response) && !taskEvents(req, response) && !groupEvents(req, response) && !chainEvents(req, response) && !apiDocs(req, response) && !dashboard(req, response)) rest(req, response);
    },
    readMaxBytes: maxRequestBytes,
    shutdownSignal: shutdown.signal,
    contextValues: contextValuesFor,
  });

  const stopSweeper = startExpirySweeper(deps.store, deps.queue, undefined, log.child({ component: "expiry" }));
  const stopDispatcher = startOutboxDispatcher(deps.store, deps.queue, { log: log.child({ component: "outbox" }), ...deps.outbox });
  const scheduler = startScheduler(deps.store, deps.queue, catalog, {
    log: log.child({ component: "scheduler" }),
    counters: metrics.tasks,
    ...deps.scheduler,
  });
  const retention = deps.retention && startRetentionSweeper(deps.store, { log: log.child({ component: "retention" }), ...deps.retention });

  const http = createOnePortServer((req, res) => {
    applySecurityHeaders(res);
    if (applyCors(corsOrigins, req, res)) return;
    // A caller's traceparent makes the request's spans part of its trace (tracing on only).
    withCallerTrace(req.headers, () => connect(req, res));
  });

  return {
    listen: (port, host) => http.listen(port, host),
    async close(graceMs) {
      shutdown.abort();
      stopSweeper();
      stopDispatcher();
      // Awaited: a batch in flight must not outlive the server into a store its owner closes next.
      await Promise.all([retention?.stop(), scheduler.stop(), http.close(graceMs)]);
    },
  };
}

/** A rate limit of `points` per `durationSec`, or none when `points` is 0. */
function rateLimitOrNone(name: string, points: number, durationSec: number): RateLimit {
  return points > 0 ? createRateLimit({ name, points, durationSec }) : { consume: async () => {} };
}
