import { createServer } from "node:net";

/**
 * Asks the kernel for a TCP port that is free on 127.0.0.1 right now.
 *
 * Binds 127.0.0.1:0, reads the port it was given and closes the socket.
 * Another process could take the port between this call and its use; that
 * window is tiny and acceptable for test servers started right after.
 *
 * @returns a port number in the ephemeral range.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: server has no TCP address"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
