import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How much of a refused upload is read (and thrown away) so that its client reads the answer: bounded in bytes and time. */
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;
export const LINGER_MAX_MS = 10_000;

/** Sockets whose response went out before their request ended; nothing else may be written to them. */
const answered = new WeakSet<object>();

/** Whether a response already went out on this connection while its request was still arriving. */
export function answeredEarly(socket: object): boolean {
  return answered.has(socket);
}

/** An HTTP/1.x request whose body has not all arrived (the answer comes before it, as for 401 or 413). */
export function isUnread(request: FastifyRequest): boolean {
  return request.raw.httpVersionMajor === 1 && !request.raw.complete;
}

/**
 * Answer a request whose body is still arriving, then close, the way that
 * lets the client read the answer: the response goes out at once with
 * `Connection: close`, the rest of the upload is read and discarded, and
 * only then is the connection closed. Closing at once would leave unread
 * bytes behind, and the kernel answers those with a reset, which destroys
 * the response before the client reads it (a `fetch` sees EPIPE, and an
 * SDK retries a request that can never succeed). A client that goes on
 * past LINGER_MAX_BYTES or LINGER_MAX_MS is cut.
 */
export function answerThenClose(request: FastifyRequest, reply: FastifyReply, status: number, headers: Record<string, string>, body: string): void {
  reply.hijack();
  const res: ServerResponse = reply.raw;
  answered.add(request.raw.socket);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
  // The whole answer is written now; the response ends (and Node closes the connection) once the upload has been read.
  res.write(body);
  void discardRest(request.raw).then(() => res.end());
}

/** Read what is left of a request body and throw it away, until its end or a bound. */
function discardRest(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const finish = () => {
      clearTimeout(timer);
      req.off('data', count);
      req.off('end', finish);
      req.off('close', finish);
      req.off('error', finish);
      resolve();
    };
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > LINGER_MAX_BYTES) finish();
    };
    const timer = setTimeout(finish, LINGER_MAX_MS);
    req.on('data', count);
    req.once('end', finish);
    req.once('close', finish);
    req.once('error', finish);
    req.resume();
  });
}
