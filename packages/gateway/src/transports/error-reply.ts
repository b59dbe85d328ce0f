import type { FastifyReply, FastifyRequest } from 'fastify';
import { toGatewayError, type GatewayError } from '../errors/index.ts';
import { retryAfterHeader } from '../errors/retry-after.ts';
import type { GatewayContext } from '../request/context.ts';
import { logError, redactUrl } from '../request/log-error.ts';

/** An API's error body for a gateway error. */
export type ErrorShape = (error: GatewayError) => unknown;

const openAiShape: ErrorShape = (error) => error.toWire();

interface ErrorHandlerHost {
  setErrorHandler(handler: (error: unknown, request: FastifyRequest, reply: FastifyReply) => void): unknown;
}

/**
 * The one handler that turns anything thrown before a stream starts into an
 * error response with its HTTP status: OpenAI's shape unless the routes of
 * `scope` belong to an API with its own. The framework's errors (malformed
 * JSON, a body over the limit) reach it too.
 */
export function installErrorHandler(ctx: GatewayContext, scope: ErrorHandlerHost, shape: ErrorShape = openAiShape): void {
  scope.setErrorHandler((thrown, request, reply) => {
    const error = toGatewayError(thrown, ctx.config.server.bodyLimitBytes);
    logError(ctx, error, { method: request.method, url: redactUrl(request.url) });
    const retryAfter = retryAfterHeader(error);
    if (retryAfter !== undefined) void reply.header('retry-after', retryAfter);
    void reply.code(error.status).send(shape(error));
  });
}
