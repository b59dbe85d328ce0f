import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_SUBPROTOCOL, WsCloseCodes } from '@sluice/protocol';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller } from '../../auth/key-ring.ts';
import { ErrorCodes } from '@sluice/protocol';
import { HttpRequestError, InvalidRequestError, ShuttingDownError, toGatewayError } from '../../errors/index.ts';
import { requestGuardFor } from '../../edge/request-guard.ts';
import type { GatewayContext } from '../../request/context.ts';
import { httpProtocolOf } from '../../config/http-protocol.ts';
import { KeepaliveTicker } from '../../streams/keepalive.ts';
import { NoWebSocketHereError } from './errors.ts';
import { WS_PATH, authenticateUpgrade, chooseSubprotocol, isWebSocketUpgrade, offeredSubprotocols, refuseUpgrade } from './handshake.ts';
import { MultiplexSession } from './multiplex-session.ts';
import { PlainSession } from './plain-session.ts';
import { SocketChannel } from './socket-channel.ts';
import { upgradeTraceHeaders } from './trace-context.ts';
import { registerUpgradeRequiredRoute } from './upgrade-required-route.ts';

/** How long closing sockets get to answer the close handshake before they are cut. */
const CLOSE_GRACE_MS = 1_000;

export interface WebSocketTransport {
  /** Close every socket with 1001 and wait until they are gone: the last step of a graceful shutdown. */
  close(): Promise<void>;
}

/**
 * WebSocket at `GET /v1/chat/stream`, on the HTTP server's own port: `ws`
 * takes over upgrade requests (after they are authenticated), and each
 * socket becomes a `sluice.v1` session or a plain-mode one by the
 * subprotocol it chose. One heartbeat timer serves every socket.
 */
export function registerWebSocketTransport(app: FastifyInstance, ctx: GatewayContext): WebSocketTransport {
  const protocol = httpProtocolOf(ctx.config.server);
  registerUpgradeRequiredRoute(app, protocol);
  if (protocol === 'h2c') {
    ctx.logger.info(`cleartext HTTP/2 (h2c): WebSocket (${WS_PATH}) needs HTTP/1.1 and is not served on this port`);
    return { close: async () => {} };
  }
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    // A frame larger than a request body may be is refused with 1009 before it is buffered whole.
    maxPayload: ctx.config.server.bodyLimitBytes,
    handleProtocols: chooseSubprotocol,
  });
  const heartbeat = new KeepaliveTicker(ctx.config.ws.heartbeatMs);
  const open = new Set<SocketChannel>();
  const guard = requestGuardFor(ctx, app.server);
  // A handshake `ws` finds malformed (a bad key, version or subprotocol list) is refused in the OpenAI shape too.
  wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => {
    socket.on('error', () => {});
    const version = req.headers['sec-websocket-version'];
    refuseUpgrade(socket, new InvalidRequestError(`${error.message}.`), version === '13' || version === '8' ? {} : { 'Sec-WebSocket-Version': '13, 8' });
  });

  const serve = (ws: WebSocket, socket: Duplex, req: IncomingMessage, caller: Caller) => {
    const channel = new SocketChannel(ws, socket, ctx.config.ws.highWaterMarkBytes);
    const trace = ctx.telemetry === null ? undefined : upgradeTraceHeaders(req.headers);
    const session = ws.protocol === WS_SUBPROTOCOL ? new MultiplexSession(ctx, channel, caller, trace) : new PlainSession(ctx, channel, caller, defaultModelOf(req), trace);
    ws.on('message', (data, isBinary) => {
      try {
        session.onMessage(data, isBinary);
      } catch (error) {
        ctx.logger.error({ err: error }, 'WebSocket message handling failed');
        channel.close(WsCloseCodes.internal, 'Internal error.');
      }
    });
    // Protocol errors (too big, bad UTF-8) are answered by `ws` itself with their close code.
    ws.on('error', (error) => ctx.logger.debug({ err: error }, 'WebSocket error'));
    ws.once('close', () => {
      heartbeat.delete(channel);
      open.delete(channel);
      session.onClose();
    });
    open.add(channel);
    heartbeat.add(channel);
  };

  // Node's own hook (typed on the server options only): other upgrades, such as curl's `h2c`, stay plain requests.
  Object.assign(app.server, { shouldUpgradeCallback: isWebSocketUpgrade });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      if (!isWebSocketUpgrade(req)) throw new InvalidRequestError('Only WebSocket upgrades are served.');
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== WS_PATH) {
        throw new NoWebSocketHereError(req.url ?? '/', WS_PATH);
      }
      if (req.method !== 'GET') throw new HttpRequestError(405, ErrorCodes.methodNotAllowed, `A WebSocket upgrade is a GET, not ${req.method}.`);
      if (!ctx.registry.accepting) throw new ShuttingDownError();
      // Browsers do not apply CORS to WebSocket: the same Host and Origin rules as HTTP, checked here.
      guard.check({ host: req.headers.host, origin: req.headers.origin, httpVersion: req.httpVersion, tls: 'encrypted' in socket });
      const caller = authenticateUpgrade(ctx.keys, req, offeredSubprotocols(req.headers['sec-websocket-protocol']));
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, socket, req, caller));
    } catch (thrown) {
      const error = toGatewayError(thrown, ctx.config.server.bodyLimitBytes);
      socket.on('error', () => {});
      refuseUpgrade(socket, error, error.status === 405 ? { Allow: 'GET' } : {});
    }
  });

  return { close: () => closeAll(open) };
}

function defaultModelOf(req: IncomingMessage): string | null {
  const model = new URL(req.url ?? '/', 'http://localhost').searchParams.get('model');
  return model === null || model === '' ? null : model;
}

async function closeAll(open: ReadonlySet<SocketChannel>): Promise<void> {
  const channels = [...open];
  const gone = channels.map((channel) => new Promise<void>((resolve) => (channel.ws.readyState === channel.ws.CLOSED ? resolve() : channel.ws.once('close', () => resolve()))));
  for (const channel of channels) channel.close(WsCloseCodes.goingAway, 'The gateway is shutting down.');
  // A client that does not read never answers the close; it is cut after a grace period.
  const cut = setTimeout(() => {
    for (const channel of channels) channel.ws.terminate();
  }, CLOSE_GRACE_MS);
  await Promise.all(gone);
  clearTimeout(cut);
}
