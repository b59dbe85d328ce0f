/**
 * Every failure the SDK reports is one of these classes. Each carries the HTTP
 * status when there was one, a stable `code` to branch on, and `retryable`:
 * whether sending the same request again later can succeed.
 */
import type { WireErrorBody } from '@sluice/protocol';

export interface SluiceErrorOptions {
  status?: number;
  code: string;
  retryable: boolean;
  cause?: unknown;
}

export class SluiceError extends Error {
  readonly status: number | undefined;
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: SluiceErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code;
    this.retryable = options.retryable;
  }
}

export interface APIErrorOptions {
  status: number;
  code?: string | null;
  type?: string;
  param?: string | null;
  headers?: Headers;
  retryable?: boolean;
}

/** The server answered with an error (an HTTP status, an SSE `error` event or a WS `error` message). */
export class APIError extends SluiceError {
  readonly type: string;
  readonly param: string | null;
  readonly headers: Headers | undefined;

  constructor(message: string, options: APIErrorOptions) {
    super(message, {
      status: options.status,
      code: options.code ?? `http_${options.status}`,
      retryable: options.retryable ?? isRetryableStatus(options.status),
    });
    this.type = options.type ?? 'api_error';
    this.param = options.param ?? null;
    this.headers = options.headers;
  }
}

export class AuthenticationError extends APIError {}
export class NotFoundError extends APIError {}

export class RateLimitError extends APIError {
  /** What the server advised (`retry-after-ms` / `retry-after`), when it did. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: APIErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

export type TimeoutPhase = 'connect' | 'first-token' | 'idle' | 'request';

export class TimeoutError extends SluiceError {
  readonly phase: TimeoutPhase;

  constructor(phase: TimeoutPhase, ms: number) {
    const what = { connect: 'connecting', 'first-token': 'waiting for the first token', idle: 'waiting for the next event', request: 'waiting for the response' }[phase];
    super(`timed out after ${ms} ms ${what}`, { code: 'timeout', retryable: true });
    this.phase = phase;
  }
}

/** The network failed: refused, reset, closed early, DNS, a WebSocket that would not open. */
export class ConnectionError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'connection_error', retryable: true, cause });
  }
}

export interface StreamInterruptedDetails {
  text: string;
  streamId: string | null;
  lastSeq: number;
  /** False when the server never named the stream (not a sluice gateway), so no resume was possible. */
  resumable: boolean;
  cause?: unknown;
}

/** The stream broke mid-way and could not be resumed; `text` is what was delivered before the break. */
export class StreamInterruptedError extends SluiceError {
  readonly text: string;
  readonly streamId: string | null;
  readonly lastSeq: number;
  readonly resumable: boolean;

  constructor(message: string, details: StreamInterruptedDetails) {
    super(message, { code: 'stream_interrupted', retryable: false, cause: details.cause });
    this.text = details.text;
    this.streamId = details.streamId;
    this.lastSeq = details.lastSeq;
    this.resumable = details.resumable;
  }
}

export class BudgetExceededError extends SluiceError {
  readonly limit: number;
  readonly spent: number;
  /** Text delivered before a running stream was stopped; empty when it was refused before starting. */
  readonly text: string;

  constructor(message: string, details: { limit: number; spent: number; text?: string }) {
    super(message, { status: 402, code: 'budget_exceeded', retryable: false });
    this.limit = details.limit;
    this.spent = details.spent;
    this.text = details.text ?? '';
  }
}

export class QueueFullError extends SluiceError {
  constructor(limit: number) {
    super(`the request queue is full (${limit} waiting)`, { status: 429, code: 'queue_full', retryable: true });
  }
}

/** The caller aborted: `stream.abort()`, an AbortSignal, or `break` out of the loop. */
export class AbortError extends SluiceError {
  constructor(message = 'the request was aborted') {
    super(message, { code: 'cancelled', retryable: false });
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The error class for a wire error body and its HTTP status. */
export function errorFromWire(status: number, body: WireErrorBody | undefined, headers?: Headers): APIError {
  const message = body?.message || `HTTP ${status}`;
  const options: APIErrorOptions = { status, code: body?.code, type: body?.type, param: body?.param, headers };
  const shouldRetry = headers?.get('x-should-retry');
  if (shouldRetry === 'true' || shouldRetry === 'false') options.retryable = shouldRetry === 'true';
  if (status === 401 || status === 403) return new AuthenticationError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 429) return new RateLimitError(message, { ...options, retryAfterMs: retryAfterMs(headers) });
  return new APIError(message, options);
}

/**
 * Statuses for the error codes sluice sends over WebSocket, where no HTTP
 * status travels with the message.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_message: 400,
  unsupported_frame: 400,
  duplicate_id: 409,
  body_too_large: 413,
  origin_not_allowed: 403,
  host_not_allowed: 403,
  request_timeout: 408,
  headers_too_large: 431,
  malformed_request: 400,
  expectation_failed: 417,
  method_not_allowed: 405,
  invalid_api_key: 401,
  model_not_found: 404,
  stream_not_found: 404,
  invalid_cursor: 400,
  too_many_streams: 429,
  rate_limit_exceeded: 429,
  budget_exceeded: 402,
  upstream_error: 502,
  upstream_malformed: 502,
  upstream_disconnected: 502,
  upstream_unavailable: 503,
  shutting_down: 503,
  upstream_timeout: 504,
  cancelled: 499,
  internal_error: 500,
};

export function statusForCode(code: string | null | undefined): number {
  return (code && STATUS_BY_CODE[code]) || 500;
}

/** `retry-after-ms` (milliseconds) wins over `retry-after` (seconds or an HTTP date), as in the official SDKs. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
