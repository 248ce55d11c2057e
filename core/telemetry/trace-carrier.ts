import { propagation, ROOT_CONTEXT, type Context } from "@opentelemetry/api";

/**
 * The W3C trace context of one task message (https://www.w3.org/TR/trace-context/):
 * what the `traceparent` and `tracestate` NATS message headers carry from the
 * publish span to the worker's run span. The in-process queue carries it in
 * the message itself.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/** `version-traceid-parentid-flags`, lower-case hex, as the W3C format defines it. */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** The W3C limit on tracestate (32 members of up to 256 characters would be more: vendors stay far below). */
const MAX_TRACESTATE_CHARS = 512;

/**
 * The carrier of `ctx`'s span (through the registered propagator), or
 * undefined when `ctx` holds no valid span context or no propagator is
 * registered (tracing off).
 */
export function injectTrace(ctx: Context): TraceCarrier | undefined {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return carrierFrom((name) => headers[name]);
}

/**
 * A context whose remote parent is the carrier's span, to start a child span
 * in; the root context when there is no carrier (the span then starts a new
 * trace).
 */
export function extractTrace(carrier: TraceCarrier | undefined): Context {
  return carrier === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * Reads a carrier from message headers: a `traceparent` of the W3C shape,
 * and `tracestate` when present and at most 512 characters. Anything else
 * (no header, a malformed one from a foreign publisher) gives undefined or
 * drops the tracestate, so a bad header can never break a delivery.
 */
export function carrierFrom(header: (name: "traceparent" | "tracestate") => string | undefined): TraceCarrier | undefined {
  const traceparent = header("traceparent")?.trim().toLowerCase();
  if (traceparent === undefined || !TRACEPARENT.test(traceparent)) return undefined;
  const tracestate = header("tracestate")?.trim();
  return tracestate ? (tracestate.length <= MAX_TRACESTATE_CHARS ? { traceparent, tracestate } : { traceparent }) : { traceparent };
}
