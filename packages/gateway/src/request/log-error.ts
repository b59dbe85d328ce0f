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

/** Query parameters that carry a credential: their values never reach the log. */
const CREDENTIAL_PARAMS = new Set(['token', 'key', 'api_key', 'apikey', 'access_token', 'auth', 'authorization', 'password', 'secret']);

/** A request URL fit for the log: the values of credential-bearing query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed name is logged as it came.
      }
      return equals !== -1 && CREDENTIAL_PARAMS.has(decoded.toLowerCase()) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${params.join('&')}`;
}
