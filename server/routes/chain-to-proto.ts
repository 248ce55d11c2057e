import { fromJson, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { ChainStatus, type ChainSchema } from "../../gen/tstasks/v1/chain_service_pb.js";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import type { ChainRecord } from "../../core/store/chain-record.js";
import { statusToProto } from "./task-to-proto.js";

/** A stored chain as the proto `Chain`. */
export function chainToProto(c: ChainRecord): MessageInitShape<typeof ChainSchema> {
  return {
    id: c.id,
    owner: c.owner ?? "",
    status: ChainStatus[c.status],
    currentStep: c.currentStep,
    steps: c.steps.map((s) => ({
      index: s.index,
      type: s.type,
      inputField: s.inputField ?? "",
      taskId: s.taskId ?? "",
      status: s.status === null ? TaskStatus.UNSPECIFIED : statusToProto(s.status),
      result: s.status === "SUCCESS" ? fromJson(ValueSchema, s.result) : undefined,
      error: s.error ?? undefined,
    })),
    result: c.status === "SUCCESS" ? fromJson(ValueSchema, c.result) : undefined,
    error: c.error ?? undefined,
    createdAt: timestampFromDate(c.createdAt),
    finishedAt: c.finishedAt ? timestampFromDate(c.finishedAt) : undefined,
    idempotencyKey: c.idempotencyKey ?? "",
  };
}
