import { STATUS_CODES } from 'node:http';
import type { GatewayError } from '../errors/index.ts';
import { retryAfterHeader } from '../errors/retry-after.ts';

/**
 * An HTTP/1.1 error response in the OpenAI shape, as raw text, for the
 * places where there is no response object: a refused WebSocket upgrade,
 * a request Node could not parse. It closes the connection.
 */
export function rawErrorResponse(error: GatewayError, headers: Record<string, string> = {}): string {
  const body = JSON.stringify(error.toWire());
  const lines = [`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  if (error.status === 401) lines.push('WWW-Authenticate: Bearer');
  const retryAfter = retryAfterHeader(error);
  if (retryAfter !== undefined) lines.push(`Retry-After: ${retryAfter}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
