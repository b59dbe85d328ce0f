import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GatewayContext } from './context.ts';
import { installCors } from './cors.ts';
import { installErrorHandler } from './error-reply.ts';
import { registerInfoRoutes } from './routes.ts';
import { registerChatRoute } from '../transports/sse/chat-route.ts';
import { registerStreamRoutes } from '../transports/sse/streams-routes.ts';

/** The Fastify application: parsers, the error handler and every route. */
export function createHttpApp(ctx: GatewayContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Each stream logs one summary line when it settles; per-request access lines would double that.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.server.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 65_000,
  });
  // Accept JSON whatever the Content-Type says (curl -d sends form-urlencoded), with the same poisoning guards.
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  installErrorHandler(ctx, app);
  installCors(app, ctx.config.server.corsOrigins);
  registerInfoRoutes(app, ctx);
  registerChatRoute(app, ctx);
  registerStreamRoutes(app, ctx);
  return app;
}
