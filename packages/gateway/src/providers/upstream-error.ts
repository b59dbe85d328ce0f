import type { IncomingHttpHeaders } from 'node:http';
import { RateLimitError, UpstreamHttpError, type GatewayError } from '../errors/index.ts';

const MAX_ERROR_BODY = 64 * 1024;

interface UpstreamErrorBody {
  error?: { message?: string; code?: string | number | null; type?: string | null; param?: string | null } | string;
  message?: string;
}

/** Retry-After in seconds (number or HTTP date), and the exact `retry-after-ms` some providers send. */
export function readRetryAfter(headers: IncomingHttpHeaders): { retryAfterSeconds?: number; retryAfterMs?: number } {
  const out: { retryAfterSeconds?: number; retryAfterMs?: number } = {};
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

/** Build the GatewayError for an upstream error response, keeping its message and code. */
export function upstreamStatusError(status: number, headers: IncomingHttpHeaders, bodyText: string): GatewayError {
  const text = bodyText.slice(0, MAX_ERROR_BODY);
  let message = text.trim() || `The upstream answered ${status}.`;
  let code: string | null = null;
  let type: string | null = null;
  try {
    const body = JSON.parse(text) as UpstreamErrorBody;
    if (typeof body.error === 'string') message = body.error;
    else if (body.error !== undefined) {
      message = body.error.message ?? message;
      code = body.error.code == null ? null : String(body.error.code);
      type = body.error.type ?? null;
    } else if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  const retry = readRetryAfter(headers);
  if (status === 429) return new RateLimitError(`The upstream is rate limiting: ${message}`, retry);
  return new UpstreamHttpError(status, `The upstream answered ${status}: ${message}`, code, type, retry);
}
