/**
 * An OpenAI-compatible upstream over HTTP/2 (h2c, or TLS with ALPN when
 * given a certificate), for the tests of `http2: true` providers. The user
 * message says how many tokens to stream (`tokens=N`); every token waits for
 * the stream's flow-control window (a full write waits for `drain`), and the
 * server records, per request, the tokens written and how the stream ended.
 */
import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { once } from 'node:events';

export interface H2StreamRecord {
  tokens: number;
  sent: number;
  /** The RST_STREAM code the stream closed with (0: NO_ERROR, which undici sends on abort too), once closed. */
  rstCode: number | null;
  /** The client reset the stream before the server ended it (RST_STREAM mid-response). */
  aborted: boolean;
  /** The session (connection) it came on, numbered from 1. */
  session: number;
}

export interface H2Upstream {
  baseURL: string;
  streams: H2StreamRecord[];
  sessions(): number;
  /** Streams open now. */
  open(): number;
  /** ALPN protocol of each TLS session ('h2'), or 'h2c'. */
  protocols: string[];
  close(): Promise<void>;
}

export async function startH2Upstream(tls?: { key: string; cert: string }): Promise<H2Upstream> {
  const server: Http2Server | Http2SecureServer = tls ? createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false }) : createServer();
  const streams: H2StreamRecord[] = [];
  const protocols: string[] = [];
  let sessions = 0;
  const sessionIds = new WeakMap<object, number>();
  const live = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    live.add(session);
    session.once('close', () => live.delete(session));
    sessionIds.set(session, ++sessions);
    protocols.push(session.alpnProtocol ?? 'h2c');
  });
  server.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => (body += text));
    stream.on('end', () => {
      if (headers[':path'] !== '/v1/chat/completions') {
        stream.respond({ ':status': 404 });
        stream.end();
        return;
      }
      const tokens = Number(/tokens=(\d+)/.exec(body)?.[1] ?? 5);
      // `hold=MS`: wait that long before the first token (an idle stream).
      const hold = Number(/hold=(\d+)/.exec(body)?.[1] ?? 0);
      const record: H2StreamRecord = { tokens, sent: 0, rstCode: null, aborted: false, session: sessionIds.get(stream.session!) ?? 0 };
      streams.push(record);
      stream.on('aborted', () => (record.aborted = true));
      stream.on('close', () => (record.rstCode = stream.rstCode));
      if (hold > 0) stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
      setTimeout(() => void serve(stream, record, hold > 0), hold);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    baseURL: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/v1`,
    streams,
    sessions: () => sessions,
    open: () => streams.filter((s) => s.rstCode === null).length,
    protocols,
    close: () => new Promise((resolve) => {
      for (const session of live) session.destroy();
      server.close(() => resolve());
    }),
  };
}

async function serve(stream: ServerHttp2Stream, record: H2StreamRecord, responded: boolean): Promise<void> {
  if (stream.destroyed) return;
  if (!responded) stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  try {
    for (let i = 0; i < record.tokens; i++) {
      if (stream.destroyed) return;
      const room = stream.write(chunk({ content: `t${i} ` }, null));
      record.sent++;
      if (!room) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
      // Yield now and then, as a real upstream does between tokens.
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    if (stream.destroyed) return;
    stream.write(chunk({}, 'stop'));
    stream.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: record.tokens, total_tokens: record.tokens + 3 } })}\n\n`);
    stream.end('data: [DONE]\n\n');
  } catch {
    // The stream was reset under us.
  }
}

/** The text a stream of `tokens` tokens carries. */
export function h2Text(tokens: number): string {
  return Array.from({ length: tokens }, (_, i) => `t${i} `).join('');
}
