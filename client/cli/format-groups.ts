import type { GroupInfo, GroupMemberInfo } from "../group-info.js";
import { formatResult, table } from "./format-task.js";

/** One line of a group's state: status, progress, counts, gather. */
export function formatGroupLine(g: GroupInfo): string {
  const c = g.counts;
  const counts = `pending ${c.PENDING}  started ${c.STARTED}  retry ${c.RETRY}  success ${c.SUCCESS}  failure ${c.FAILURE}  revoked ${c.REVOKED}`;
  const gather = g.gatherTaskId ? `  gather ${g.gatherTaskId} ${g.gatherStatus ?? ""}`.trimEnd() : "";
  return `${g.status} ${(g.progress * 100).toFixed(1)}% of ${g.total}  ${counts}${gather}`;
}

/** A group's details as `name: value` lines, as `tstasks get` shows a task. */
export function formatGroupDetails(g: GroupInfo): string {
  const lines = [
    `id: ${g.id}`,
    `type: ${g.type}`,
    `status: ${g.status}`,
    `progress: ${formatGroupLine(g)}`,
    `owner: ${g.owner || "(anonymous)"}`,
  ];
  if (g.gather) lines.push(`gather: ${g.gather.type} ${JSON.stringify(g.gather.args ?? {})}`);
  if (g.gatherTaskId) lines.push(`gather task: ${g.gatherTaskId} ${g.gatherStatus ?? ""}`.trimEnd());
  if (g.createdAt) lines.push(`created: ${g.createdAt.toISOString()}`);
  if (g.finishedAt) lines.push(`finished: ${g.finishedAt.toISOString()}`);
  return lines.join("\n");
}

/** Members as a table: index, task id, status, and the result or the error. */
export function formatMemberTable(members: readonly GroupMemberInfo[]): string {
  return table(
    ["INDEX", "TASK", "STATUS", "RESULT / ERROR"],
    members.map((m) => [
      String(m.index),
      m.taskId,
      m.status,
      m.status === "SUCCESS" ? formatResult(m.result) : m.error ? `${m.error.type}: ${m.error.message}` : "",
    ]),
  );
}
