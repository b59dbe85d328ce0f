import type { GatewayError } from './gateway-error.ts';

/** `Retry-After` (whole seconds) for errors that advise a wait. */
export function retryAfterHeader(error: GatewayError): string | undefined {
  const seconds = error.retryAfterSeconds ?? (error.retryAfterMs === undefined ? undefined : error.retryAfterMs / 1000);
  return seconds === undefined ? undefined : String(Math.ceil(seconds));
}
