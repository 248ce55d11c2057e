import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { DescMethod } from "@bufbuild/protobuf";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Registry } from "prom-client";
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from "../../core/telemetry/metric-families.js";
import { REQUEST_DURATION_BUCKETS } from "../../core/telemetry/metric-names.js";
import { codeName } from "../rest/http-status.js";

/** Counts and times the server's requests (`tstasks_http_requests_total`, `tstasks_http_request_duration_seconds`). */
export interface RequestMetrics {
  /**
   * For the Connect router: every Connect, gRPC and gRPC-Web call, labelled
   * `method` = its procedure (`/tstasks.v1.TaskService/SubmitTask`) and `code`
   * = its Connect code name (`ok`, `invalid_argument`, …), timed until the
   * answer (a stream: until it ends).
   */
  interceptor: Interceptor;
  /**
   * For a request served outside Connect (REST, SSE, docs, dashboard,
   * metrics): labelled by its route template (see createRouteLabeler) and its
   * HTTP status as `code` (499 when the client left before an answer),
   * timed until the response closes.
   */
  observeHttp(req: IncomingMessage, res: ServerResponse): void;
}

/** Code label of a client that went away before a stream or an answer ended. */
const GONE = "canceled";

/**
 * Registers the request metrics in `registry`. Series are cached per label
 * and code, so a request costs two Map lookups and an addition, with no
 * awaits beyond the call's own.
 */
export function createRequestMetrics(registry: Registry, labelRoute: (verb: string, url: string) => string): RequestMetrics {
  const count = new CounterFamily(registry, {
    name: "tstasks_http_requests_total",
    help: "Requests served: method is the Connect procedure or the REST route template (other: no route), code the Connect code name or the HTTP status.",
    labelNames: ["method", "code"],
  });
  const duration = new HistogramFamily(registry, {
    name: "tstasks_http_request_duration_seconds",
    help: "Time to answer a request (a stream: until it ended), by method and code as in tstasks_http_requests_total.",
    labelNames: ["method", "code"],
    buckets: REQUEST_DURATION_BUCKETS,
  });
  const byLabel = new Map<string, Map<string | number, { count: CounterSeries; duration: HistogramSeries }>>();
  const record = (label: string, code: string | number, startedAt: number): void => {
    let byCode = byLabel.get(label);
    if (byCode === undefined) byLabel.set(label, (byCode = new Map()));
    let series = byCode.get(code);
    if (series === undefined) {
      series = { count: count.series(label, String(code)), duration: duration.series(label, String(code)) };
      byCode.set(code, series);
    }
    series.count.value++;
    duration.observe(series.duration, (performance.now() - startedAt) / 1000);
  };
  const procedures = new Map<DescMethod, string>();
  const procedureOf = (method: DescMethod): string => {
    let label = procedures.get(method);
    if (label === undefined) procedures.set(method, (label = `/${method.parent.typeName}/${method.name}`));
    return label;
  };
  const codeOf = (error: unknown): string => codeName(ConnectError.from(error).code);

  return {
    interceptor: (next) => async (req) => {
      const startedAt = performance.now();
      const label = procedureOf(req.method);
      let res;
      try {
        res = await next(req);
      } catch (error) {
        record(label, codeOf(error), startedAt);
        throw error;
      }
      if (!res.stream) {
        record(label, "ok", startedAt);
        return res;
      }
      return { ...res, message: observeStream(res.message, (code) => record(label, code, startedAt)) };
    },
    observeHttp(req, res) {
      const startedAt = performance.now();
      res.once("close", () => record(labelRoute(req.method ?? "GET", req.url ?? "/"), res.headersSent ? res.statusCode : 499, startedAt));
    },
  };

  async function* observeStream<T>(messages: AsyncIterable<T>, done: (code: string) => void): AsyncIterable<T> {
    let code = GONE;
    try {
      yield* messages;
      code = "ok";
    } catch (error) {
      code = codeOf(error);
      throw error;
    } finally {
      done(code);
    }
  }
}
