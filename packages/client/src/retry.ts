/**
 * The one retry policy, on the official SDKs' rules: 408, 409, 429 and 5xx
 * and network failures are retried, at most `maxRetries` times, waiting what
 * the server advised (`retry-after-ms`, `retry-after`) when that is sensible
 * and exponential backoff with full jitter otherwise. The caller applies it
 * only before the first chunk of a stream has been delivered: after that, a
 * break is resumed, never retried.
 */
import { fullJitterDelay, type BackoffOptions } from './backoff.ts';
import { APIError, ConnectionError, RateLimitError, TimeoutError, retryAfterMs } from './errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt (default 2, as the official SDKs). */
  maxRetries?: number;
  /** Backoff when the server gave no advice (default 500 ms doubling up to 8 s). */
  backoff?: BackoffOptions;
  /** Advice longer than this is ignored in favour of backoff (default 60 s), as the official SDKs do. */
  maxRetryAfterMs?: number;
}

export type RetryDecision = { retry: true; delayMs: number; advised: boolean } | { retry: false };

export class RetryPolicy {
  readonly maxRetries: number;
  readonly #backoff: BackoffOptions;
  readonly #maxRetryAfterMs: number;
  readonly #random: () => number;

  constructor(options: RetryOptions = {}, random: () => number = Math.random) {
    this.maxRetries = options.maxRetries ?? 2;
    this.#backoff = options.backoff ?? { baseMs: 500, maxMs: 8000 };
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.#random = random;
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) {
      throw new TypeError(`maxRetries must be a whole number ≥ 0, got ${options.maxRetries}`);
    }
  }

  /** Whether to retry after `error`, given how many retries were already made. */
  decide(error: unknown, retriesSoFar: number): RetryDecision {
    if (retriesSoFar >= this.maxRetries || !isRetryable(error)) return { retry: false };
    const advice = adviceOf(error);
    if (advice !== undefined && advice <= this.#maxRetryAfterMs) return { retry: true, delayMs: advice, advised: true };
    return { retry: true, delayMs: fullJitterDelay(retriesSoFar, this.#backoff, this.#random), advised: false };
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof APIError || error instanceof ConnectionError || error instanceof TimeoutError) return error.retryable;
  // fetch rejects with a TypeError on network failure; anything else is a bug, not weather.
  return false;
}

function adviceOf(error: unknown): number | undefined {
  if (error instanceof RateLimitError) return error.retryAfterMs;
  if (error instanceof APIError) return retryAfterMs(error.headers);
  return undefined;
}
