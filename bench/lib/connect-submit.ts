import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { closedLoop } from "./load.js";

/** The RPC protocols measured beside REST. */
export type RpcProtocol = "connect" | "grpc";

/**
 * `count` SubmitTask calls of `bench.main.noop` to `baseUrl` over one HTTP/2
 * connection (connect-node's transport, Connect or gRPC), `inFlight`
 * outstanding, after a warm-up of `warmup` calls; returns calls per second.
 */
export async function rpcSubmitRate(baseUrl: string, protocol: RpcProtocol, count: number, inFlight: number, warmup: number): Promise<number> {
  const transport =
    protocol === "grpc" ? createGrpcTransport({ baseUrl }) : createConnectTransport({ baseUrl, httpVersion: "2" });
  const client = createClient(TaskService, transport);
  const call = async (i: number): Promise<void> => {
    const res = await client.submitTask({ type: "bench.main.noop", args: { a: i, b: 1 } });
    if (!res.task?.id) throw new Error(`SubmitTask over ${protocol} answered without a task`);
  };
  if (warmup > 0) await closedLoop(warmup, inFlight, call);
  return closedLoop(count, inFlight, call);
}
