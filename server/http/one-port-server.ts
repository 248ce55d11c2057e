import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";

/** A request handler that serves both HTTP/1.1 and HTTP/2 requests. */
export type DualHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/** A listening socket that speaks HTTP/1.1 and cleartext HTTP/2 on one port. */
export interface OnePortServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, ends idle connections, and destroys the rest after `graceMs` (default 5000). */
  close(graceMs?: number): Promise<void>;
}

// Every HTTP/2 connection starts with this preface (RFC 9113 §3.4); HTTP/1.1 never does.
const H2_PREFACE = "PRI * HTTP/2.0\r\n";

/**
 * Serves `handler` on one cleartext port for curl and browsers (HTTP/1.1)
 * and for gRPC clients (h2c with prior knowledge): each new connection's
 * first bytes are peeked and the socket is handed to an HTTP/1.1 or an
 * HTTP/2 server. Node's cleartext http2 server cannot do HTTP/1.1 itself.
 */
export function createOnePortServer(handler: DualHandler): OnePortServer {
  const h1 = createHttpServer(handler as (req: IncomingMessage, res: ServerResponse) => void);
  h1.keepAliveTimeout = 65_000;
  const h2 = createHttp2Server(handler as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
  const sockets = new Set<Socket>();
  // Requests in flight per HTTP/1.1 socket. The h1 server gets its sockets by
  // emit("connection") and never listens itself, so Node does not track them
  // and h1.closeIdleConnections() finds none: without this, an idle
  // keep-alive client would hold close() for the whole grace.
  const inFlight = new Map<Socket, number>();
  let closing = false;
  // Likewise gRPC clients keep their HTTP/2 sessions open: close() asks each to go away (GOAWAY),
  // which lets the streams in flight finish.
  const sessions = new Set<ServerHttp2Session>();
  h2.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  h1.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
  });

  const net = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      inFlight.delete(socket);
    });
    socket.once("error", () => socket.destroy());
    const route = (): void => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) {
        socket.once("readable", route);
        return;
      }
      const head = chunk.toString("latin1", 0, Math.min(chunk.length, H2_PREFACE.length));
      // Too few bytes to decide but still a prefix of the preface: wait for more.
      if (head.length < H2_PREFACE.length && H2_PREFACE.startsWith(head) && head.length > 0) {
        socket.unshift(chunk);
        socket.once("readable", () => {
          const more = socket.read() as Buffer | null;
          if (more) socket.unshift(more);
          dispatch();
        });
        return;
      }
      socket.unshift(chunk);
      dispatch();
    };
    const dispatch = (): void => {
      const peek = socket.read() as Buffer | null;
      if (peek) socket.unshift(peek);
      const isH2 = peek !== null && peek.toString("latin1", 0, H2_PREFACE.length) === H2_PREFACE;
      if (!isH2) inFlight.set(socket, 0);
      (isH2 ? h2 : h1).emit("connection", socket);
    };
    socket.once("readable", route);
  });

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        net.once("error", reject);
        net.listen(port, host, () => {
          net.off("error", reject);
          resolve((net.address() as AddressInfo).port);
        });
      });
    },
    async close(graceMs = 5000) {
      const closed = new Promise<void>((resolve) => net.close(() => resolve()));
      closing = true;
      // Idle HTTP/1.1 connections go now; busy ones after their answer (see inFlight).
      for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
      h1.close();
      h2.close();
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
