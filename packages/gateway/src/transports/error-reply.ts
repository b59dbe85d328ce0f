import type { FastifyReply, FastifyRequest } from 'fastify';
import { toGatewayError, type GatewayError } from '../errors/index.ts';
import { errorHeaders } from '../errors/retry-after.ts';
import type { GatewayContext } from '../request/context.ts';
import { logError, redactUrl } from '../request/log-error.ts';
import { answerThenClose, isUnread } from '../edge/lingering-close.ts';

/** An API's error body for a gateway error. */
export type ErrorShape = (error: GatewayError) => unknown;

const openAiShape: ErrorShape = (error) => error.toWire();

type ErrorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => void;

interface ErrorHandlerHost {
  setErrorHandler(handler: ErrorHandler): unknown;
}

/**
 * The one handler that turns anything thrown before a stream starts into an
 * error response with its HTTP status: OpenAI's shape unless the routes of
 * a scope belong to an API with its own. The framework's errors (malformed
 * JSON, a body over the limit, a bad URL) reach it too. A request whose
 * body is still arriving (refused at the headers, or too large) is answered
 * so that its client can read the answer before the connection closes.
 */
export function errorReply(ctx: GatewayContext, shape: ErrorShape = openAiShape): ErrorHandler {
  return (thrown, request, reply) => {
    const error = toGatewayError(thrown, ctx.config.server.bodyLimitBytes);
    logError(ctx, error, { method: request.method, url: redactUrl(request.url) });
    const headers = errorHeaders(error);
    if (isUnread(request)) return answerThenClose(request, reply, error.status, headers, JSON.stringify(shape(error)));
    void reply.headers(headers);
    void reply.code(error.status).send(shape(error));
  };
}

/** `errorReply` as the error handler of `scope` (the app, or one API's routes). */
export function installErrorHandler(ctx: GatewayContext, scope: ErrorHandlerHost, shape: ErrorShape = openAiShape): void {
  scope.setErrorHandler(errorReply(ctx, shape));
}
