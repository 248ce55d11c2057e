import { context, propagation, trace } from "@opentelemetry/api";
import type { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

let enabled = false;

/**
 * Whether tstasks records spans: true once {@link registerTracerProvider}
 * registered a provider, false by default. The hot paths ask this before
 * doing any tracing work, so with tracing off (the default) a task costs no
 * span objects, context switches or header writes at all, not even the
 * OpenTelemetry API's no-op ones.
 */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Registers `provider` as the process's global tracer provider, with the
 * AsyncLocalStorage context manager and the W3C trace-context propagator
 * (what `NodeTracerProvider.register()` installs), and turns tstasks' spans
 * on. Used by {@link startTracing} and by tests with an in-memory exporter.
 * Returns a function that flushes and shuts the provider down and unregisters
 * it (tracing off again).
 */
export function registerTracerProvider(provider: NodeTracerProvider): () => Promise<void> {
  provider.register();
  enabled = true;
  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= (async () => {
      enabled = false;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    })());
}
