import type { IncomingHttpHeaders } from 'node:http';
import { RateLimitError, UpstreamHttpError, UpstreamOverloadedError, type GatewayError } from '../../errors/index.ts';
import { errorBodyText, upstreamError, type UpstreamErrorDetail } from '../upstream-error.ts';
import type { WireError } from './wire-types.ts';

/** Anthropic's error types that mean "try again shortly" (HTTP 529, or in the stream). */
const OVERLOADED = 'overloaded_error';
const RATE_LIMITED = 'rate_limit_error';

/**
 * An error response from the Messages API (`{"type":"error","error":{"type",
 * "message"}}`) as the client's error: 529 `overloaded_error` is a retryable
 * 503, 429 a rate limit with the upstream's `retry-after`, the rest keeps
 * Anthropic's status, message and error type.
 */
export function anthropicStatusError(status: number, headers: IncomingHttpHeaders, bodyText: string): GatewayError {
  const detail: UpstreamErrorDetail = { message: errorBodyText(bodyText, status), code: null, type: null };
  try {
    const error = (JSON.parse(bodyText) as { error?: WireError }).error;
    if (typeof error?.message === 'string') detail.message = error.message;
    if (typeof error?.type === 'string') detail.type = error.type;
  } catch {
    // Not JSON: the text is the message.
  }
  detail.overloaded = status === 529 || detail.type === OVERLOADED;
  detail.rateLimited = detail.type === RATE_LIMITED;
  return upstreamError(status, headers, detail);
}

/**
 * An `event: error` after the stream began: before the first token the
 * generation retries what is retryable (overloaded, rate limited, API
 * errors); after it the client gets the error as the stream's end.
 */
export function anthropicStreamError(error: WireError | undefined): GatewayError {
  const message = error?.message ?? 'Anthropic reported an error mid-stream.';
  switch (error?.type) {
    case OVERLOADED:
      return new UpstreamOverloadedError(`The upstream is overloaded: ${message}`);
    case RATE_LIMITED:
      return new RateLimitError(`The upstream is rate limiting: ${message}`);
    case 'invalid_request_error':
      return new UpstreamHttpError(400, `The upstream refused the request: ${message}`, null, error.type);
    default:
      return new UpstreamHttpError(500, `The upstream failed mid-stream: ${message}`, null, error?.type ?? null);
  }
}
