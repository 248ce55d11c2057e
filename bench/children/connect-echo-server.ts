/**
 * The Connect ceiling: connect-node serving tstasks' own TaskService
 * contract over HTTP/2 without TLS (as the tstasks server does), with a
 * SubmitTask that answers a fixed PENDING task of the request's type and
 * args at once: no validation, store or queue. Connect, gRPC and gRPC-Web
 * clients all reach it.
 *
 *   node --import tsx bench/children/connect-echo-server.ts <port>
 *
 * Prints `listening` when it accepts connections.
 */
import { createServer } from "node:http2";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { exitWithParent } from "../lib/exit-with-parent.js";

exitWithParent();
const port = Number(process.argv[2]);
const routes = (router: ConnectRouter): void => {
  router.rpc(TaskService.method.submitTask, (req) => ({
    task: { id: "00000000-0000-0000-0000-000000000000", type: req.type, args: req.args, status: TaskStatus.PENDING, queue: "default" },
  }));
};
const server = createServer(connectNodeAdapter({ routes }));
server.listen(port, "127.0.0.1", () => console.log("listening"));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
