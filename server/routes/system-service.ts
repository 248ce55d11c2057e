import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";

/** A named dependency check; resolves when healthy. */
export type ReadinessCheck = () => Promise<void>;

/** Runs every check (with a timeout) and returns component → "ok" or the failure. */
export async function runReadinessChecks(checks: Record<string, ReadinessCheck>, timeoutMs = 2000): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, "ok"] as const;
      } catch (e) {
        return [name, `down: ${e instanceof Error ? e.message : String(e)}`] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * `tstasks.v1.SystemService`: `Ping` is liveness (always answers while the
 * process serves), `Ready` really checks the store and the queue and is
 * Unavailable (HTTP 503) when either is down.
 */
export function createSystemService(checks: Record<string, ReadinessCheck>): ServiceImpl<typeof SystemService> {
  return {
    ping() {
      return { status: "online" };
    },
    async ready() {
      const results = await runReadinessChecks(checks);
      const down = Object.entries(results).filter(([, v]) => v !== "ok");
      if (down.length > 0) {
        throw new ConnectError(`not ready: ${down.map(([k, v]) => `${k} ${v}`).join("; ")}`, Code.Unavailable);
      }
      return { status: "ready", checks: results };
    },
  };
}
