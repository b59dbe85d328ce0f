import type { FastifyReply, FastifyRequest } from 'fastify';
import { toGatewayError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import { logError } from '../request/log-error.ts';
import { retryAfterHeader } from '../errors/retry-after.ts';

/** The one handler that turns anything thrown before a stream starts into an OpenAI error response. */
export function installErrorHandler(ctx: GatewayContext, app: { setErrorHandler: (handler: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void) => unknown }): void {
  app.setErrorHandler((thrown, request, reply) => {
    const error = toGatewayError(thrown, ctx.config.server.bodyLimitBytes);
    logError(ctx, error, { method: request.method, url: request.url });
    const retryAfter = retryAfterHeader(error);
    if (retryAfter !== undefined) void reply.header('retry-after', retryAfter);
    void reply.code(error.status).send(error.toWire());
  });
}
