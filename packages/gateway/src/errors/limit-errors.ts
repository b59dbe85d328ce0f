import { ErrorCodes } from '@sluice/protocol';
import { GatewayError } from './gateway-error.ts';

/** Over a rate or concurrency limit: try again after `retryAfterMs` (computed from the bucket). OpenAI types it `requests` or `tokens`. */
export class RateLimitExceededError extends GatewayError {
  constructor(message: string, over: 'requests' | 'tokens', retryAfterMs: number, headers: Readonly<Record<string, string>>) {
    super(429, ErrorCodes.rateLimited, over, message, true, { retryAfterMs, headers });
  }
}

/** The budget of the key (or its team) cannot cover the request, or the rest of a running stream. */
export class InsufficientQuotaError extends GatewayError {
  constructor(message: string, headers: Readonly<Record<string, string>> = {}) {
    super(429, ErrorCodes.insufficientQuota, 'insufficient_quota', message, false, { headers });
  }
}

/** The shared limit store (Redis) cannot be reached and `limits.failMode` is `closed`. */
export class LimitsUnavailableError extends GatewayError {
  constructor(cause?: unknown) {
    super(503, ErrorCodes.limitsUnavailable, 'server_error', 'Rate limits cannot be checked right now (the limit store is unreachable); try again shortly.', true, { retryAfterSeconds: 1, cause });
  }
}
