import type { TaskStatus } from "../../../../client/browser.js";

/** A task's status as a coloured label (the colours are in styles.css, one class per status). */
export function StatusBadge({ status }: { status: TaskStatus }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{status}</span>;
}
