import { loadConfig } from "../core/config/env-config.js";
import { requireSharedBackends } from "../core/config/require-shared-backends.js";
import { openBackends } from "../core/open-backends.js";
import { runMain } from "../core/process/run-main.js";
import { untilSignal } from "../core/process/until-signal.js";
import { startServer } from "./start-server.js";

/** `npm run server`: the API server only (run workers separately). */
async function main(): Promise<void> {
  const config = loadConfig();
  requireSharedBackends(config, "npm run server");
  const backends = await openBackends(config, "tstasks-server");
  try {
    const { server, port } = await startServer(config, backends);
    console.log(`[server] listening on http://localhost:${port} (Connect, gRPC, gRPC-Web, REST)`);
    for (const line of backends.describe) console.log(`[server] ${line}`);
    const signal = await untilSignal();
    console.log(`[server] ${signal}: closing`);
    await server.close();
  } finally {
    await backends.close();
  }
}

runMain(main);
