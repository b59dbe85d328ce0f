import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import { SseDecoder } from '@sluice/protocol';
import type { SseCapture } from './sse.ts';

export interface H2Response {
  status: number;
  headers: IncomingHttpHeaders & IncomingHttpStatusHeader;
  stream: ClientHttp2Stream;
}

/** An HTTP/2 session to a gateway: `https:` (trusting `ca`) or `http:` for h2c. */
export async function connectH2(url: string, ca?: string): Promise<ClientHttp2Session> {
  const session = connect(url, ca === undefined ? {} : { ca });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.on('error', () => {});
  return session;
}

/** POST a JSON body on a session; resolves with the response head, the body still to be read. */
export function h2Post(session: ClientHttp2Session, path: string, body: unknown, headers: Record<string, string> = {}): Promise<H2Response> {
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
  stream.end(typeof body === 'string' ? body : JSON.stringify(body));
  return responseOf(stream);
}

export function h2Get(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<H2Response> {
  const stream = session.request({ ':method': 'GET', ':path': path, ...headers });
  stream.end();
  return responseOf(stream);
}

function responseOf(stream: ClientHttp2Stream): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    stream.once('response', (headers) => resolve({ status: Number(headers[':status']), headers, stream }));
    stream.once('error', reject);
  });
}

/** Cut one stream the way a client that goes away does. */
export function cancelH2(stream: ClientHttp2Stream): void {
  stream.close(constants.NGHTTP2_CANCEL);
}

export async function readH2Text(stream: ClientHttp2Stream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const part of stream) text += part as string;
  return text;
}

/** Read an SSE body from an HTTP/2 stream, like `readSse` does for fetch. */
export async function readH2Sse(stream: ClientHttp2Stream): Promise<SseCapture> {
  const capture: SseCapture = { events: [], comments: [], data: [] };
  const decoder = new SseDecoder({
    onEvent: (message) => {
      capture.events.push(message);
      capture.data.push(message.data);
    },
    onComment: (text) => capture.comments.push(text),
  });
  stream.setEncoding('utf8');
  try {
    for await (const part of stream) decoder.push(part as string);
  } catch {
    // A stream the client cancelled ends in an error; what arrived before counts.
  }
  return capture;
}
