import type { ChainInfo } from "../chain-info.js";
import { formatResult, table } from "./format-task.js";

/** One line of a chain's state: `RUNNING step 2/3` or `SUCCESS`, `FAILURE at step 2/3: Type: message`. */
export function chainLine(c: ChainInfo): string {
  const at = `step ${c.currentStep + 1}/${c.steps.length}`;
  if (c.status === "RUNNING") return `RUNNING ${at}`;
  if (c.status === "SUCCESS") return "SUCCESS";
  return `${c.status} at ${at}${c.error ? `: ${c.error.type}: ${c.error.message}` : ""}`;
}

/** A chain for `get`, `cancel` and `retry` in text mode: its id, state and result, then a table of its steps. */
export function formatChainDetails(c: ChainInfo): string {
  const head = [`id       ${c.id}`, `status   ${chainLine(c)}`];
  if (c.owner) head.push(`owner    ${c.owner}`);
  if (c.status === "SUCCESS") head.push(`result   ${formatResult(c.result)}`);
  const rows = c.steps.map((s) => [
    String(s.index),
    s.type,
    s.inputField || "-",
    s.taskId || "-",
    s.status ?? "-",
    s.status === "SUCCESS" ? formatResult(s.result) : s.error ? `${s.error.type}: ${s.error.message}` : "",
  ]);
  return `${head.join("\n")}\n\n${table(["STEP", "TYPE", "INPUT", "TASK", "STATUS", "RESULT"], rows)}`;
}
