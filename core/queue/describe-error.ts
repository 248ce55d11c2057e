/** A one-line description of an error for logs: its message and, if any, its cause's. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${describeError(err.cause)})` : "";
  const inner = err instanceof AggregateError ? err.errors.map(describeError).join("; ") : "";
  return `${err.message}${inner}${cause}`;
}
