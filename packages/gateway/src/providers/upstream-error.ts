import type { IncomingHttpHeaders } from 'node:http';
import { RateLimitError, UpstreamHttpError, UpstreamOverloadedError, UpstreamTimeoutError, type GatewayError } from '../errors/index.ts';

const MAX_ERROR_BODY = 64 * 1024;

interface UpstreamErrorBody {
  error?: { message?: string; code?: string | number | null; type?: string | null; param?: string | null } | string;
  message?: string;
}

/** What a provider's error body says, once read in its own shape. */
export interface UpstreamErrorDetail {
  message: string;
  code: string | null;
  type: string | null;
  /** The upstream says it is overloaded (whatever its status): retry shortly. */
  overloaded?: boolean;
  /** The upstream says this is a rate limit (whatever its status). */
  rateLimited?: boolean;
  /** A wait the body asks for, when the headers name none. */
  retryAfterMs?: number;
}

export type RetryAdvice = { retryAfterSeconds?: number; retryAfterMs?: number };

/** Retry-After in seconds (number or HTTP date), and the exact `retry-after-ms` some providers send. */
export function readRetryAfter(headers: IncomingHttpHeaders): RetryAdvice {
  const out: RetryAdvice = {};
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) out.retryAfterMs = ms;
  const raw = headers['retry-after'];
  if (typeof raw === 'string' && raw !== '') {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) out.retryAfterSeconds = seconds;
    else {
      const date = Date.parse(raw);
      if (!Number.isNaN(date)) out.retryAfterSeconds = Math.max(0, Math.ceil((date - Date.now()) / 1000));
    }
  }
  return out;
}

/** The body text of an error response, bounded. */
export function errorBodyText(bodyText: string, status: number): string {
  return bodyText.slice(0, MAX_ERROR_BODY).trim() || `The upstream answered ${status}.`;
}

/**
 * The GatewayError for an upstream error response, the same for every
 * provider once its body is read: 429 (or a body that says rate limit) is
 * a RateLimitError, an overloaded upstream a retryable 503, anything else
 * an UpstreamHttpError that keeps the upstream's message, code and type.
 */
export function upstreamError(status: number, headers: IncomingHttpHeaders, detail: UpstreamErrorDetail): GatewayError {
  const retry = readRetryAfter(headers);
  if (retry.retryAfterMs === undefined && retry.retryAfterSeconds === undefined && detail.retryAfterMs !== undefined) retry.retryAfterMs = detail.retryAfterMs;
  if (status === 429 || detail.rateLimited) return new RateLimitError(`The upstream is rate limiting: ${detail.message}`, retry);
  if (detail.overloaded) return new UpstreamOverloadedError(`The upstream is overloaded: ${detail.message}`, retry);
  return new UpstreamHttpError(status, `The upstream answered ${status}: ${detail.message}`, detail.code, detail.type, retry);
}

/** Build the GatewayError for an OpenAI-shaped error response, keeping its message and code. */
export function upstreamStatusError(status: number, headers: IncomingHttpHeaders, bodyText: string): GatewayError {
  const detail: UpstreamErrorDetail = { message: errorBodyText(bodyText, status), code: null, type: null };
  try {
    const body = JSON.parse(bodyText) as UpstreamErrorBody;
    if (typeof body.error === 'string') detail.message = body.error;
    else if (body.error !== undefined) {
      detail.message = body.error.message ?? detail.message;
      detail.code = body.error.code == null ? null : String(body.error.code);
      detail.type = body.error.type ?? null;
    } else if (typeof body.message === 'string') detail.message = body.message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return upstreamError(status, headers, detail);
}

/** Which upstream a stream reads, and how long it may stay silent. */
export interface IdleLimit {
  providerId: string;
  idleTimeoutMs: number;
}

/** The error for an upstream that went silent mid-response: retryable before the first token, the stream's end after it. */
export function upstreamIdleError(limit: IdleLimit): UpstreamTimeoutError {
  return new UpstreamTimeoutError(`The upstream "${limit.providerId}" sent nothing for ${limit.idleTimeoutMs} ms.`);
}
