import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../errors/index.ts';
import { toGatewayError } from '../errors/index.ts';
import type { GatewayContext } from './context.ts';

/** `Retry-After` (whole seconds) for errors that advise a wait. */
export function retryAfterHeader(error: GatewayError): string | undefined {
  const seconds = error.retryAfterSeconds ?? (error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000);
  return seconds === undefined ? undefined : String(Math.ceil(seconds));
}

const logged = new WeakSet<GatewayError>();

/**
 * Log an error once, at a level that matches whose fault it is. The same
 * error can reach both the stream's settlement and the HTTP error handler;
 * only the first one logs it.
 */
export function logError(ctx: GatewayContext, error: GatewayError, context: Record<string, unknown>): void {
  if (logged.has(error)) return;
  logged.add(error);
  if (error.status >= 500) ctx.logger.error({ ...context, err: error.cause ?? error, code: error.code, status: error.status }, error.message);
  else ctx.logger.info({ ...context, code: error.code, status: error.status }, error.message);
}

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
