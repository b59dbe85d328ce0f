/**
 * The benchmark's upstream: a minimal OpenAI-compatible chat-completions
 * server whose every stream has the time to first token, inter-token delay
 * and chunk count its prompt asks for (see workload.ts). Every target in a
 * run talks to the same instance.
 *
 * Besides the OpenAI surface it serves two bench-only routes:
 * - `GET /_bench/stats`: how many streams are open right now, and totals;
 * - `GET /_bench/events`: an SSE feed with one event per stream the client
 *   abandoned before its end, which is how the load generator times cancels;
 * - `POST /_bench/drop`: end every open stream now, and close every connection
 *   but the abort feeds'.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, createServer as createH2cServer, type Http2SecureServer, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { parsePrompt, expectedText, BadPromptError, type StreamSpec } from '../workload.ts';
import { chunkWriter, completionBody, DONE_EVENT } from './chunks.ts';
import { readJsonBody, BodyError, sendError } from './http-body.ts';

export interface UpstreamStats {
  open: number;
  /** TCP connections open to the upstream right now. */
  connections: number;
  started: number;
  completed: number;
  aborted: number;
}

export interface RunningUpstream {
  url: string;
  baseURL: string;
  /** The same upstream over HTTP/2: prior-knowledge h2c, and TLS with ALPN (when started with a certificate). */
  h2cUrl: string | null;
  h2Url: string | null;
  server: Server;
  stats(): UpstreamStats;
  close(): Promise<void>;
}

const PROMPT_TOKENS = 12;

export interface UpstreamOptions {
  port?: number;
  host?: string;
  /** Also serve h2c on this port. */
  h2cPort?: number;
  /** Also serve h2 over TLS (ALPN; HTTP/1.1 too) on this port, with this certificate. */
  h2?: { port: number; key: string; cert: string };
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<RunningUpstream> {
  const stats: UpstreamStats = { open: 0, connections: 0, started: 0, completed: 0, aborted: 0 };
  const watchers = new Set<ServerResponse>();
  const openStreams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();

  const announceAbort = (id: string, chunksSent: number): void => {
    const event = `data: ${JSON.stringify({ id, chunksSent })}\n\n`;
    for (const watcher of watchers) watcher.write(event);
  };

  const handle: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      return void chat(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'internal_error', String(error));
        else res.destroy();
      });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ object: 'list', data: [{ id: 'bench', object: 'model', created: 0, owned_by: 'bench' }] }));
    }
    if (req.method === 'GET' && path === '/_bench/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ...stats, connections: sockets.size + sessions.size }));
    }
    if (req.method === 'POST' && path === '/_bench/drop') {
      // Ends every open stream from this side (for targets that never pass a
      // client's departure on) and closes idle keep-alive connections, which
      // the targets' pools would otherwise hold by the thousand after a big
      // phase: their leftovers must not weigh on the phases that follow.
      const dropped = openStreams.size;
      for (const stream of openStreams) stream.destroy();
      // Every connection but the abort feeds' and this one: a pooled connection
      // whose last stream was abandoned is not "idle" to closeIdleConnections().
      const keep = new Set([req.socket, ...[...watchers].map((watcher) => watcher.socket)]);
      for (const socket of sockets) if (!keep.has(socket)) socket.destroy();
      for (const session of sessions) session.destroy();
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      return void res.end(JSON.stringify({ dropped }));
    }
    if (req.method === 'GET' && path === '/_bench/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': watching\n\n');
      watchers.add(res);
      return void res.on('close', () => watchers.delete(res));
    }
    sendError(res, 404, 'not_found', `no route for ${req.method} ${path}`);
  };
  const server = createServer(handle);

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let spec: StreamSpec;
    let model: string;
    let stream: boolean;
    let includeUsage: boolean;
    try {
      const body = await readJsonBody(req);
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const last = messages[messages.length - 1] as { content?: unknown } | undefined;
      spec = parsePrompt(typeof last?.content === 'string' ? last.content : '');
      model = typeof body.model === 'string' ? body.model : 'bench';
      stream = body.stream === true;
      const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
      includeUsage = streamOptions?.include_usage === true;
    } catch (error) {
      if (error instanceof BodyError || error instanceof BadPromptError) return sendError(res, 400, 'invalid_request', error.message);
      throw error;
    }
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(completionBody(spec.id, model, expectedText(spec.chunks), PROMPT_TOKENS, spec.chunks));
    }
    streamChunks(res, spec, model, includeUsage);
  }

  function streamChunks(res: ServerResponse, spec: StreamSpec, model: string, includeUsage: boolean): void {
    stats.open++;
    stats.started++;
    openStreams.add(res);
    const chunks = chunkWriter(spec.id, model);
    const startedAt = performance.now();
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    let ended = false;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // HTTP/1.1 sends the head now; HTTP/2's compatibility response (no flushHeaders) sent it with writeHead.
    res.flushHeaders?.();

    res.on('close', () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      openStreams.delete(res);
      stats.open--;
      if (ended) return;
      stats.aborted++;
      announceAbort(spec.id, sent);
    });

    // Chunk i is due at start + ttft + i * itl, so a late timer does not push
    // every later chunk back: the pace is the upstream's, not the event loop's.
    const next = (): void => {
      timer = undefined;
      immediate = undefined;
      if (res.destroyed) return;
      if (sent === spec.chunks) {
        ended = true;
        stats.completed++;
        res.end(chunks.finish() + (includeUsage ? chunks.usage(PROMPT_TOKENS, spec.chunks) : '') + DONE_EVENT);
        return;
      }
      const writable = res.write(chunks.content(sent++));
      if (!writable) return void res.once('drain', schedule);
      schedule();
    };
    const schedule = (): void => {
      if (sent === spec.chunks && spec.itlMs === 0) return next();
      const due = startedAt + spec.ttftMs + sent * spec.itlMs;
      const wait = due - performance.now();
      if (wait >= 1) timer = setTimeout(next, wait);
      else immediate = setImmediate(next);
    };
    schedule();
  }

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  // The HTTP/2 servers run the same handler through node:http2's compatibility API, so every stream is
  // served alike whichever protocol it came over; they listen first, so the HTTP/1.1 port's readiness means all are.
  const h2Servers: (Http2Server | Http2SecureServer)[] = [];
  const listen = (target: Server | Http2Server | Http2SecureServer, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      target.once('error', reject);
      target.listen({ port, host: options.host ?? '127.0.0.1', backlog: 4096 }, () => resolve((target.address() as AddressInfo).port));
    });
  const h2Handler = handle as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  const track = (session: Http2Session): void => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  };
  let h2cUrl: string | null = null;
  let h2Url: string | null = null;
  if (options.h2cPort !== undefined) {
    const h2c = createH2cServer(h2Handler).on('session', track);
    h2Servers.push(h2c);
    h2cUrl = `http://127.0.0.1:${await listen(h2c, options.h2cPort)}`;
  }
  if (options.h2 !== undefined) {
    const h2 = createSecureServer({ key: options.h2.key, cert: options.h2.cert, allowHTTP1: true }, h2Handler).on('session', track);
    h2Servers.push(h2);
    h2Url = `https://127.0.0.1:${await listen(h2, options.h2.port)}`;
  }
  const url = `http://127.0.0.1:${await listen(server, options.port ?? 0)}`;
  return {
    url,
    baseURL: `${url}/v1`,
    h2cUrl,
    h2Url,
    server,
    stats: () => ({ ...stats, connections: sockets.size + sessions.size }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const watcher of watchers) watcher.end();
        for (const session of sessions) session.destroy();
        for (const h2 of h2Servers) h2.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
