import type { SpanExporter } from "@opentelemetry/sdk-trace-node";
import { ConfigError } from "../config/env-config.js";
import { registerTracerProvider } from "./tracing-switch.js";

/** What the standard OpenTelemetry variables ask of tstasks; see {@link tracingSettings}. */
export interface TracingSettings {
  /** Where finished spans go (several when `OTEL_TRACES_EXPORTER` lists several). */
  exporters: readonly ("otlp" | "console")[];
  /** `service.name` of every span: `OTEL_SERVICE_NAME`, else the process's default. */
  serviceName: string;
  /** Where OTLP spans are POSTed (for the start line). */
  otlpUrl: string;
}

/** Exporters tstasks can start. */
const KNOWN_EXPORTERS = new Set(["otlp", "console", "none"]);
/** OTLP protocols the installed exporter speaks: HTTP (it sends JSON; collectors take either on their HTTP port). */
const HTTP_PROTOCOLS = new Set(["http/json", "http/protobuf"]);

/**
 * Reads the tracing settings from the standard OpenTelemetry variables, or
 * undefined when tracing stays off (the default):
 * - on when `OTEL_TRACES_EXPORTER` lists `otlp` or `console` (a comma list),
 *   or, with it unset, when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 *   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (then `otlp`);
 * - off with `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true`;
 * - `OTEL_SERVICE_NAME` names the service (default `defaultServiceName`).
 * @throws ConfigError for an exporter other than otlp, console or none, or
 *   an OTLP protocol other than http/json or http/protobuf (grpc needs an
 *   exporter this build does not ship).
 */
export function tracingSettings(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingSettings | undefined {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  if (value("OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
  const listed = value("OTEL_TRACES_EXPORTER")
    ?.split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
  const unknown = listed?.filter((e) => !KNOWN_EXPORTERS.has(e)) ?? [];
  if (unknown.length > 0) {
    throw new ConfigError(`invalid configuration:\n  OTEL_TRACES_EXPORTER: ${unknown.join(", ")} is not supported: use otlp, console or none`);
  }
  const endpoint = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? value("OTEL_EXPORTER_OTLP_ENDPOINT");
  const exporters = (listed ?? (endpoint === undefined ? [] : ["otlp"])).filter((e): e is "otlp" | "console" => e !== "none");
  if (exporters.length === 0 || listed?.includes("none")) return undefined;
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]) {
    const protocol = value(name);
    if (protocol !== undefined && !HTTP_PROTOCOLS.has(protocol.toLowerCase()) && exporters.includes("otlp")) {
      throw new ConfigError(
        `invalid configuration:\n  ${name}: ${protocol} is not supported: tstasks exports OTLP over HTTP (http/json); point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port (4318)`,
      );
    }
  }
  const tracesEndpoint = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const base = value("OTEL_EXPORTER_OTLP_ENDPOINT") ?? "http://localhost:4318";
  return {
    exporters: [...new Set(exporters)],
    serviceName: value("OTEL_SERVICE_NAME") ?? defaultServiceName,
    otlpUrl: tracesEndpoint ?? `${base.replace(/\/+$/, "")}/v1/traces`,
  };
}

/** Tracing started by {@link startTracing}. */
export interface Tracing {
  /** One line for the start banner, e.g. `traces: OTLP/HTTP to http://collector:4318/v1/traces as tstasks-worker`. */
  readonly describe: string;
  /** Exports the spans still buffered, then stops (call in the entry point's finally). Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when the standard variables ask for it (see
 * {@link tracingSettings}): a NodeTracerProvider with a BatchSpanProcessor
 * per exporter (the OTLP/HTTP exporter reads its own endpoint, headers and
 * timeout variables), registered globally with the W3C trace-context
 * propagator, so tstasks' spans (submit, publish, run, result write) are
 * recorded. Resolves with undefined, and changes nothing, when tracing is
 * off: the OpenTelemetry API then stays a no-op, and the SDK is not even
 * loaded (it would cost every process about 18 MB and 0.7 s at start).
 * @throws ConfigError for unsupported settings.
 */
export async function startTracing(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const settings = tracingSettings(env, defaultServiceName);
  if (settings === undefined) return undefined;
  const [{ defaultResource, detectResources, envDetector, resourceFromAttributes }, { OTLPTraceExporter }, { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider }] =
    await Promise.all([import("@opentelemetry/resources"), import("@opentelemetry/exporter-trace-otlp-http"), import("@opentelemetry/sdk-trace-node")]);
  const exporters: SpanExporter[] = settings.exporters.map((e) => (e === "otlp" ? new OTLPTraceExporter() : new ConsoleSpanExporter()));
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ "service.name": settings.serviceName })),
    spanProcessors: exporters.map((exporter) => new BatchSpanProcessor(exporter)),
  });
  const stop = registerTracerProvider(provider);
  const where = settings.exporters.map((e) => (e === "otlp" ? `OTLP/HTTP to ${withoutCredentials(settings.otlpUrl)}` : "standard output")).join(" and ");
  return {
    describe: `traces: ${where} as ${settings.serviceName}`,
    shutdown: () => stop().catch(() => {}),
  };
}

/** The URL without a user or password, for the start line. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
