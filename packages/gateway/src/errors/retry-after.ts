import type { GatewayError } from './gateway-error.ts';

/** `Retry-After` (whole seconds) for errors that advise a wait. */
export function retryAfterHeader(error: GatewayError): string | undefined {
  const seconds = error.retryAfterSeconds ?? (error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000);
  return seconds === undefined ? undefined : String(Math.ceil(seconds));
}

/**
 * The headers an error response carries besides its body: `Retry-After`,
 * `retry-after-ms` when the wait is known to the millisecond (OpenAI's
 * clients read it), and the error's own (a rate limit's `x-ratelimit-*`).
 */
export function errorHeaders(error: GatewayError): Record<string, string> {
  const headers: Record<string, string> = { ...error.headers };
  const retryAfter = retryAfterHeader(error);
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  if (error.retryAfterMs !== undefined) headers['retry-after-ms'] = String(Math.ceil(error.retryAfterMs));
  return headers;
}
