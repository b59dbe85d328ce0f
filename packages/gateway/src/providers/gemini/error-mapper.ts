import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayError } from '../../errors/index.ts';
import { errorBodyText, upstreamError, type UpstreamErrorDetail } from '../upstream-error.ts';
import type { WireError } from './wire-types.ts';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * An error response from the Gemini API (`{"error": {"code", "message",
 * "status", "details"}}`, or a list of them) as the client's error:
 * RESOURCE_EXHAUSTED is a 429 with the RetryInfo delay, UNAVAILABLE a
 * retryable 503, the rest keeps Gemini's status and message.
 */
export function geminiStatusError(status: number, headers: IncomingHttpHeaders, bodyText: string): GatewayError {
  let error: WireError | undefined;
  try {
    const body = JSON.parse(bodyText) as { error?: WireError } | { error?: WireError }[];
    error = (Array.isArray(body) ? body[0] : body)?.error;
  } catch {
    // Not JSON: the text is the message.
  }
  return geminiError(status, headers, error, errorBodyText(bodyText, status));
}

/** The error for a Gemini error object, from a response or from inside a stream. */
export function geminiError(status: number, headers: IncomingHttpHeaders, error: WireError | undefined, fallbackMessage = 'Gemini reported an error.'): GatewayError {
  const detail: UpstreamErrorDetail = {
    message: typeof error?.message === 'string' ? error.message : fallbackMessage,
    code: null,
    type: typeof error?.status === 'string' ? error.status.toLowerCase() : null,
    rateLimited: error?.status === 'RESOURCE_EXHAUSTED',
    overloaded: error?.status === 'UNAVAILABLE' || status === 503,
  };
  const delay = retryDelayMs(error);
  if (delay !== undefined) detail.retryAfterMs = delay;
  return upstreamError(status, headers, detail);
}

/** RetryInfo's `retryDelay` ("30s", "1.5s") in milliseconds. */
function retryDelayMs(error: WireError | undefined): number | undefined {
  const info = error?.details?.find((detail) => detail['@type'] === RETRY_INFO);
  const match = typeof info?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(info.retryDelay) : null;
  return match === null ? undefined : Math.round(Number(match[1]) * 1000);
}
