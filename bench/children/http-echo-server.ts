/**
 * The HTTP ceiling: node:http answering every request with a small JSON
 * body after reading the request body, nothing else, keep-alive on.
 *
 *   node --import tsx bench/children/http-echo-server.ts <port>
 *
 * Prints `listening` when it accepts connections.
 */
import { createServer } from "node:http";
import { exitWithParent } from "../lib/exit-with-parent.js";

exitWithParent();
const port = Number(process.argv[2]);
const body = JSON.stringify({ id: "00000000-0000-0000-0000-000000000000", status: "PENDING" });
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(port, "127.0.0.1", () => console.log("listening"));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
