import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCodes } from '@sluice/protocol';
import { HttpRequestError, type GatewayError } from '../errors/index.ts';
import { answeredEarly } from './lingering-close.ts';
import { rawErrorResponse } from './raw-response.ts';

/** What Node reports about a request it could not take (parse errors carry an `HPE_` code). */
interface ClientError extends Error {
  code?: string;
}

/** A request Node could not parse or finish, as the error its client gets. */
export function clientErrorFor(error: ClientError): GatewayError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpRequestError(408, ErrorCodes.requestTimeout, 'The request did not arrive in time (server.requestTimeoutMs): headers and body must be sent within it.');
    case 'HPE_HEADER_OVERFLOW':
      return new HttpRequestError(431, ErrorCodes.headersTooLarge, 'The request headers are larger than the server accepts (16 KB).');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpRequestError(413, ErrorCodes.bodyTooLarge, 'The chunk extensions of the request body are too large.');
    default:
      return new HttpRequestError(400, ErrorCodes.malformedRequest, `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`);
  }
}

/**
 * Fastify's `clientErrorHandler`: a malformed request, one whose headers are
 * too large or one that took too long gets its error in the OpenAI shape,
 * unless a response has already started on the connection (an answer
 * while the upload went on, or a stream), which must not be corrupted.
 */
export function onClientError(error: ClientError, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Node's own rule, with its one private field: no error text into a response already under way.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true && !answeredEarly(socket)) socket.write(rawErrorResponse(clientErrorFor(error)));
  socket.destroy();
}

/** Node's `checkExpectation` event: an `Expect` other than 100-continue gets its 417 in the OpenAI shape. */
export function onUnmetExpectation(req: IncomingMessage, res: ServerResponse): void {
  const error = new HttpRequestError(417, ErrorCodes.expectationFailed, `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported; only 100-continue is.`);
  const body = JSON.stringify(error.toWire());
  res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}
