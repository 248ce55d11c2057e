import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import type { TaskMessage } from "../queue/task-message.js";
import type { TaskQueue } from "../queue/task-queue.js";
import { toTaskMessage, type MessageSource } from "../queue/to-task-message.js";
import { extractTrace, injectTrace } from "./trace-carrier.js";
import { tracingEnabled } from "./tracing-switch.js";

/** The tracer name of every tstasks span. */
export const TRACER_NAME = "tstasks";

/** Span attribute names (tstasks' own namespace; `messaging.*` from the OpenTelemetry conventions). */
export const SPAN_ATTRIBUTES = {
  taskId: "tstasks.task.id",
  taskType: "tstasks.task.type",
  queue: "messaging.destination.name",
  attempt: "tstasks.task.attempt",
  worker: "tstasks.worker",
  status: "tstasks.task.status",
  applied: "tstasks.result.applied",
  republished: "tstasks.outbox.republished",
} as const;

/** A message source plus the context its publish span is a child of (see {@link publishWithSpans}). */
export type TracedSource = MessageSource & {
  /** Parent of the publish span; absent: the span starts a trace of its own. */
  traceParent?: Context;
};

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Starts the server's `submit` span of one task, a child of the active
 * context (which carries the caller's `traceparent`, see server.ts). Returns
 * undefined when tracing is off.
 */
export function startSubmitSpan(task: Pick<MessageSource, "id" | "type" | "queue">): Span | undefined {
  if (!tracingEnabled()) return undefined;
  return tracer().startSpan("submit", {
    kind: SpanKind.SERVER,
    attributes: { [SPAN_ATTRIBUTES.taskId]: task.id, [SPAN_ATTRIBUTES.taskType]: task.type, [SPAN_ATTRIBUTES.queue]: task.queue },
  });
}

/** Ends a span, marking it failed (with the exception recorded) when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/**
 * Publishes the messages of `sources` on `queue`. With tracing on, each
 * message gets a `publish` span (a child of its `traceParent`, or a new trace
 * when there is none, as for the outbox dispatcher's republishing), and the
 * span's W3C trace context travels with the message (NATS headers; the
 * in-process queue keeps it in the message), so the worker's `run` span joins
 * that trace. The spans end when the queue has stored the messages, failed
 * when it has not. With tracing off it is `queue.publish(sources.map(toTaskMessage))`.
 */
export async function publishWithSpans(queue: TaskQueue, sources: readonly TracedSource[]): Promise<void> {
  if (!tracingEnabled()) return queue.publish(sources.map(toTaskMessage));
  const spans: Span[] = [];
  const messages: TaskMessage[] = [];
  for (const source of sources) {
    const span = tracer().startSpan(
      "publish",
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [SPAN_ATTRIBUTES.taskId]: source.id,
          [SPAN_ATTRIBUTES.taskType]: source.type,
          [SPAN_ATTRIBUTES.queue]: source.queue,
          ...(source.traceParent === undefined ? { [SPAN_ATTRIBUTES.republished]: true } : {}),
        },
      },
      source.traceParent ?? ROOT_CONTEXT,
    );
    const message = toTaskMessage(source);
    const carrier = injectTrace(trace.setSpan(ROOT_CONTEXT, span));
    if (carrier !== undefined) message.trace = carrier;
    spans.push(span);
    messages.push(message);
  }
  try {
    await queue.publish(messages);
  } catch (error) {
    for (const span of spans) endSpan(span, error);
    throw error;
  }
  for (const span of spans) span.end();
}

/**
 * Starts a worker's `run` span for one attempt, a child of the trace context
 * its message carried (a new trace when it carried none). Returns undefined
 * when tracing is off.
 */
export function startRunSpan(message: TaskMessage, attempt: number, worker: string): Span | undefined {
  if (!tracingEnabled()) return undefined;
  return tracer().startSpan(
    "run",
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [SPAN_ATTRIBUTES.taskId]: message.id,
        [SPAN_ATTRIBUTES.taskType]: message.type,
        [SPAN_ATTRIBUTES.queue]: message.queue,
        [SPAN_ATTRIBUTES.attempt]: attempt,
        [SPAN_ATTRIBUTES.worker]: worker,
      },
    },
    extractTrace(message.trace),
  );
}

/** Starts the `result write` span of an attempt's outcome, a child of its `run` span. */
export function startResultWriteSpan(run: Span, taskId: string, status: string): Span {
  return tracer().startSpan(
    "result write",
    { kind: SpanKind.CLIENT, attributes: { [SPAN_ATTRIBUTES.taskId]: taskId, [SPAN_ATTRIBUTES.status]: status } },
    trace.setSpan(ROOT_CONTEXT, run),
  );
}

/** Runs `fn` with `span` as the active span (so spans started inside, e.g. by a task's own code, are its children). */
export function withActiveSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/**
 * Runs `fn` inside `span` (active, and given its context) and ends the span
 * when `fn` settles: failed, with the error recorded, when it rejects.
 */
export async function runInSpan<T>(span: Span, fn: (spanContext: Context) => Promise<T>): Promise<T> {
  const spanContext = trace.setSpan(context.active(), span);
  let result: T;
  try {
    result = await context.with(spanContext, () => fn(spanContext));
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
  span.end();
  return result;
}

/** The active context, as the parent of spans started later elsewhere (a batch); undefined when tracing is off. */
export function activeTraceParent(): Context | undefined {
  return tracingEnabled() ? context.active() : undefined;
}

/**
 * Runs `fn` (one request's handling) in the trace context the caller sent
 * (`traceparent`/`tracestate` request headers, or gRPC metadata of those
 * names), so the request's spans continue the caller's trace; without such
 * headers they start a new one. With tracing off it just calls `fn`.
 */
export function withCallerTrace<T>(headers: Readonly<Record<string, string | string[] | undefined>>, fn: () => T): T {
  if (!tracingEnabled()) return fn();
  return context.with(propagation.extract(ROOT_CONTEXT, headers), fn);
}
