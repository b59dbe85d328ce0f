import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import { installCors } from './cors.ts';
import { errorReply, installErrorHandler } from '../transports/error-reply.ts';
import { onClientError, onUnmetExpectation } from '../edge/client-errors.ts';
import { applyRequestDeadline } from '../edge/request-deadline.ts';
import { installBodyShapeCheck } from '../edge/body-shape.ts';
import { installRequestGuard, requestGuardFor } from '../edge/request-guard.ts';
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
import { registerAdminApi } from '../admin/admin-api.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-route.ts';

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
    // Requests Node cannot parse (or that take too long) get their error in the OpenAI shape too.
    clientErrorHandler: onClientError,
  }, errorReply(ctx));
  // Accept JSON whatever the Content-Type says (curl -d sends form-urlencoded, a browser's fetch of a
  // string sends text/plain, whose own parser would otherwise win), with the same poisoning guards.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  installErrorHandler(ctx, app);
  applyRequestDeadline(app, ctx.config.server.requestTimeoutMs);
  app.server.on('checkExpectation', onUnmetExpectation);
  const guard = requestGuardFor(ctx, app.server);
  installRequestGuard(app, guard);
  installCors(app, guard.origins);
  installBodyShapeCheck(app);
  registerInfoRoutes(app, ctx);
  registerMetricsRoute(app, ctx);
  registerChatRoute(app, ctx);
  registerMessagesRoutes(app, ctx);
  registerResponsesRoutes(app, ctx);
  registerStreamRoutes(app, ctx, DIALECTS);
  registerAdminApi(app, ctx);
  registerDashboardRoutes(app, ctx);
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
  clientErrorHandler: typeof onClientError;
}

/**
 * Fastify on the chosen protocol. Routes are typed for HTTP/1.1; under
 * HTTP/2 Fastify hands them Node's compatibility request and response,
 * which have every member they use (headers, writeHead, write, end,
 * flushHeaders, 'drain', 'close'), hence the one cast.
 */
function fastifyFor(protocol: ProtocolOptions, options: CommonOptions, frameworkErrors: ReturnType<typeof errorReply>): FastifyInstance {
  // Bad URLs and the like get the one error shape; the handler is typed for HTTP/1.1's request, like the routes.
  const http2 = { ...options, http2: true as const, frameworkErrors: frameworkErrors as never };
  if (protocol.https !== undefined) return Fastify({ ...http2, https: protocol.https }) as unknown as FastifyInstance;
  if (protocol.http2) return Fastify(http2) as unknown as FastifyInstance;
  // HTTP/2 servers close their idle sessions themselves; HTTP/1.1 keep-alive connections need telling.
  return Fastify({ ...options, frameworkErrors, forceCloseConnections: 'idle' });
}
