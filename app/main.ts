import { loadConfig } from "../core/config/env-config.js";
import { requireTaskpacks } from "../core/config/require-taskpacks.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startServer } from "../server/start-server.js";
import { startWorker } from "../worker/start-worker.js";

/**
 * `npm start`: the API server and one worker in one process. With neither
 * DATABASE_URL nor NATS_URL set it needs nothing else (embedded PGlite store,
 * in-process queue); with both set it is a small single-machine deployment.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  requireTaskpacks(config, "npm start");
  const backends = await openBackends(config, "tstasks");
  try {
    const worker = await startWorker(config, backends);
    const { server, port } = await startServer(config, backends);
    console.log(
      [
        "",
        `tstasks is running on http://localhost:${port}  (Connect, gRPC, gRPC-Web and REST on one port)`,
        ...backends.describe.map((l) => `  ${l}`),
        `  worker: ${config.workerName}, queues ${worker.queues.join(", ") || "(none)"}, concurrency ${config.workerConcurrency}`,
        ...(backends.recovered > 0 ? [`  recovered ${backends.recovered} unfinished task(s) from the store`] : []),
        ...(backends.embedded.store || backends.embedded.queue
          ? ["  embedded mode: for development, demos and one machine; set DATABASE_URL and NATS_URL for several machines"]
          : []),
        `  try: curl -s localhost:${port}/task -H 'content-type: application/json' -d '{"type":"test.main.add","args":{"x":1,"y":2}}'`,
        "",
      ].join("\n"),
    );
    const signal = await untilSignal();
    console.log(`[tstasks] ${signal}: closing the server, then finishing running tasks`);
    await server.close();
    await worker.stop();
  } finally {
    await backends.close();
  }
}

runMain(main);
