import { constants, type ServerHttp2Stream } from 'node:http2';
import type { FastifyInstance } from 'fastify';

/** The HTTP/1.1 server settings that bound how long a request may take to arrive. */
interface Http1Deadlines {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
}

/**
 * A request, headers and body, must arrive within `requestTimeoutMs`, so a
 * client that trickles its body, or never finishes it, cannot hold a
 * connection (and a descriptor) forever. HTTP/1.1: Node's own request
 * timeout, checked often enough to be near the mark (it answers 408 through
 * the client error handler). HTTP/2 has no such setting, and a stream's
 * body is timed here instead: one that has not ended in time is reset.
 */
export function applyRequestDeadline(app: FastifyInstance, requestTimeoutMs: number): void {
  const server = app.server as unknown as Partial<Http1Deadlines>;
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(60_000, requestTimeoutMs);
  // Read when the server starts listening; Node's default (30 s) would let a short deadline run long.
  server.connectionsCheckingInterval = Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 4)));
  app.addHook('onRequest', async (request) => {
    const stream = (request.raw as { stream?: ServerHttp2Stream }).stream;
    if (request.raw.httpVersionMajor < 2 || stream === undefined || stream.endAfterHeaders) return;
    const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), requestTimeoutMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    request.raw.once('end', done);
    stream.once('close', done);
  });
}
