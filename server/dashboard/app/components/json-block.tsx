import { formatJson } from "../format.js";

/** A JSON value, indented, in a scrollable block. */
export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre class="json" aria-label={label}>
      {formatJson(value)}
    </pre>
  );
}
