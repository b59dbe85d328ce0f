import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import { installCors } from './cors.ts';
import { installErrorHandler } from '../transports/error-reply.ts';
import type { ProtocolOptions } from '../config/http-protocol.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { registerInfoRoutes } from './routes.ts';
import { registerChatRoute } from '../transports/sse/chat-route.ts';
import { registerStreamRoutes, type SseDialects } from '../transports/sse/streams-routes.ts';
import { chatSse } from '../transports/sse/sse-dialect.ts';
import { registerMessagesRoutes } from '../api/anthropic-messages/routes.ts';
import { messagesSse } from '../api/anthropic-messages/sse-dialect.ts';
import { registerResponsesRoutes } from '../api/responses/routes.ts';
import { responsesSse } from '../api/responses/sse-dialect.ts';

/** Each inbound API's SSE dialect, by the API a stream remembers: a resume serves the format the stream began in. */
const DIALECTS: SseDialects = { chat: chatSse, messages: messagesSse, responses: responsesSse };

/** The Fastify application: parsers, the error handler and every route. */
export function createHttpApp(ctx: GatewayContext, protocol: ProtocolOptions = {}): FastifyInstance {
  const app = fastifyFor(protocol, {
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Each stream logs one summary line when it settles; per-request access lines would double that.
    logController: new LogController({ disableRequestLogging: true }),
    // Nothing logs through request.log, so a child logger per request would be made for nothing.
    childLoggerFactory: (logger: FastifyBaseLogger) => logger,
    bodyLimit: ctx.config.server.bodyLimitBytes,
    return503OnClosing: true,
    keepAliveTimeout: 65_000,
  });
  // Accept JSON whatever the Content-Type says (curl -d sends form-urlencoded), with the same poisoning guards.
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  installErrorHandler(ctx, app);
  installCors(app, ctx.config.server.corsOrigins);
  registerInfoRoutes(app, ctx);
  registerMetricsRoute(app, ctx);
  registerChatRoute(app, ctx);
  registerMessagesRoutes(app, ctx);
  registerResponsesRoutes(app, ctx);
  registerStreamRoutes(app, ctx, DIALECTS);
  return app;
}

/** The options that do not depend on the protocol. */
interface CommonOptions {
  loggerInstance: FastifyBaseLogger;
  logController: LogController;
  childLoggerFactory: (logger: FastifyBaseLogger) => FastifyBaseLogger;
  bodyLimit: number;
  return503OnClosing: boolean;
  keepAliveTimeout: number;
}

/**
 * Fastify on the chosen protocol. Routes are typed for HTTP/1.1; under
 * HTTP/2 Fastify hands them Node's compatibility request and response,
 * which have every member they use (headers, writeHead, write, end,
 * flushHeaders, 'drain', 'close'), hence the one cast.
 */
function fastifyFor(protocol: ProtocolOptions, options: CommonOptions): FastifyInstance {
  if (protocol.https !== undefined) return Fastify({ ...options, http2: true, https: protocol.https }) as unknown as FastifyInstance;
  if (protocol.http2) return Fastify({ ...options, http2: true }) as unknown as FastifyInstance;
  // HTTP/2 servers close their idle sessions themselves; HTTP/1.1 keep-alive connections need telling.
  return Fastify({ ...options, forceCloseConnections: 'idle' });
}
