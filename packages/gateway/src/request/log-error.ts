import type { GatewayError } from '../errors/index.ts';
import type { GatewayContext } from './context.ts';

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
