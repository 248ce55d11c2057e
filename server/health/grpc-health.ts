import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";

/** Options of {@link createGrpcHealthService}. */
export interface GrpcHealthOptions {
  /**
   * Service names answered besides `""` (the whole server), all with the
   * same status. Default: `["tstasks.v1.TaskService"]`.
   */
  services?: readonly string[];
  /** How often Watch re-runs `check` to notice changes, in ms. Default: 5000. */
  watchIntervalMs?: number;
}

const { SERVING, NOT_SERVING, SERVICE_UNKNOWN } = HealthCheckResponse_ServingStatus;

/**
 * `grpc.health.v1.Health` driven by one readiness probe.
 *
 * - Check: `""` and every name in `options.services` answer SERVING when
 *   `check()` resolves true, NOT_SERVING when it resolves false or rejects;
 *   any other name fails with NOT_FOUND.
 * - List: the status of `""` and of each known service.
 * - Watch: sends the current status at once, then again each time it
 *   changes (polled every `watchIntervalMs`), until the client cancels or the
 *   server shuts down (`ctx.signal`). An unknown name gets SERVICE_UNKNOWN
 *   once and the stream stays open, as the health protocol asks.
 *
 * @param check resolves true when the server can do its work (e.g. database and queue reachable)
 */
export function createGrpcHealthService(
  check: () => Promise<boolean>,
  options: GrpcHealthOptions = {},
): ServiceImpl<typeof Health> {
  const known = new Set(["", ...(options.services ?? [TaskService.typeName])]);
  const intervalMs = options.watchIntervalMs ?? 5000;

  // A failing probe means "not serving", never a failed health RPC.
  const status = async (): Promise<HealthCheckResponse_ServingStatus> =>
    (await check().catch(() => false)) ? SERVING : NOT_SERVING;

  return {
    async check(req) {
      if (!known.has(req.service)) {
        throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      }
      return { status: await status() };
    },

    async list() {
      const current = await status();
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status: current }])) };
    },

    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        yield { status: SERVICE_UNKNOWN };
        // The set of services never changes, so there is nothing more to say.
        await untilAborted(ctx.signal);
        return;
      }
      let last: HealthCheckResponse_ServingStatus | undefined;
      while (!ctx.signal.aborted) {
        const current = await status();
        if (current !== last) {
          last = current;
          yield { status: current };
        }
        const aborted = await sleep(intervalMs, false, { signal: ctx.signal }).catch(() => true);
        if (aborted) return;
      }
    },
  };
}

/**
 * Registers {@link createGrpcHealthService} on `router` as `grpc.health.v1.Health`.
 * Pass `Health` to `registerReflection` as well so clients can discover it.
 */
export function registerGrpcHealth(
  router: ConnectRouter,
  check: () => Promise<boolean>,
  options?: GrpcHealthOptions,
): void {
  router.service(Health, createGrpcHealthService(check, options));
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
