import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { ChainStatus as ProtoChainStatus, type Chain } from "../gen/tstasks/v1/chain_service_pb.js";
import { TaskStatus as ProtoStatus } from "../gen/tstasks/v1/task_pb.js";
import { optionalDate, statusFromProto, type TaskStatus } from "./task-info.js";

/** A chain's state, as the REST API spells it (the proto enum without its `CHAIN_STATUS_` prefix). */
export type ChainStatus = "RUNNING" | "SUCCESS" | "FAILURE" | "REVOKED";

/** Statuses a chain does not leave on its own (a retry can start a FAILURE or REVOKED one again). */
export const FINAL_CHAIN_STATUSES: readonly ChainStatus[] = ["SUCCESS", "FAILURE", "REVOKED"];

/** One step of a chain and its task's state. */
export interface ChainStepInfo {
  /** 0 for the first step. */
  index: number;
  type: string;
  /** The argument that receives the previous step's result; "" for the first step. */
  inputField: string;
  /** The step's task; "" until the step is created (when the step before it succeeded). */
  taskId: string;
  /** The task's status; absent until the step is created. */
  status?: TaskStatus;
  /** The task's result; present only when `status` is SUCCESS. */
  result?: unknown;
  /** The task's error (FAILURE). */
  error?: { type: string; message: string };
}

/** A chain as `chains.get`/`submit`/`watch` answer it. */
export interface ChainInfo {
  id: string;
  /** User that submitted it with a token; "" for an anonymous chain. */
  owner: string;
  status: ChainStatus;
  /** RUNNING: the step that waits or runs; FAILURE/REVOKED: the step that ended it; SUCCESS: the last. */
  currentStep: number;
  steps: ChainStepInfo[];
  /** The last step's result; present only when `status` is SUCCESS. */
  result?: unknown;
  /** The failed step's error (FAILURE), or a "Revoked" error (REVOKED). */
  error?: { type: string; message: string };
  idempotencyKey: string;
  createdAt?: Date;
  finishedAt?: Date;
}

/** Converts a `tstasks.v1.Chain` message into a {@link ChainInfo}. */
export function chainFromProto(c: Chain): ChainInfo {
  const info: ChainInfo = {
    id: c.id,
    owner: c.owner,
    status: chainStatusFromProto(c.status),
    currentStep: c.currentStep,
    steps: c.steps.map((s) => {
      const step: ChainStepInfo = { index: s.index, type: s.type, inputField: s.inputField, taskId: s.taskId };
      if (s.status !== ProtoStatus.UNSPECIFIED) step.status = statusFromProto(s.status);
      if (s.status === ProtoStatus.SUCCESS && s.result) step.result = toJson(ValueSchema, s.result);
      if (s.error) step.error = { type: s.error.type, message: s.error.message };
      return step;
    }),
    idempotencyKey: c.idempotencyKey,
  };
  if (c.status === ProtoChainStatus.SUCCESS && c.result) info.result = toJson(ValueSchema, c.result);
  if (c.error) info.error = { type: c.error.type, message: c.error.message };
  for (const key of ["createdAt", "finishedAt"] as const) {
    const date = optionalDate(c[key]);
    if (date) info[key] = date;
  }
  return info;
}

/** Proto enum → status name (UNSPECIFIED, never sent for a real chain, reads as RUNNING). */
function chainStatusFromProto(status: ProtoChainStatus): ChainStatus {
  const name = ProtoChainStatus[status] as string | undefined;
  return name !== undefined && ["RUNNING", ...FINAL_CHAIN_STATUSES].includes(name) ? (name as ChainStatus) : "RUNNING";
}
