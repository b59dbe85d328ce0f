import type { GatewayError } from '../errors/index.ts';

export interface RetryOptions {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * When to try an upstream again, and after how long: only retryable errors
 * (408/409/429/5xx, network), at most `maxRetries` times, after the delay the
 * upstream asked for (`retry-after-ms`, `retry-after`) or else exponential
 * backoff with full jitter. An advised delay longer than `maxDelayMs` is not
 * waited for: the caller fails over or passes the advice on.
 */
export class RetryPolicy {
  readonly #options: RetryOptions;
  readonly #random: () => number;

  constructor(options: RetryOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** Milliseconds to wait before retry number `attempt + 1`, or null to stop retrying. */
  delayFor(attempt: number, error: GatewayError): number | null {
    if (!error.retryable || attempt >= this.#options.maxRetries) return null;
    const advised = error.retryAfterMs ?? (error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000);
    if (advised !== undefined) return advised <= this.#options.maxDelayMs ? advised : null;
    const ceiling = Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** attempt);
    return Math.floor(this.#random() * ceiling);
  }
}

/** A timer that an abort signal cuts short (rejecting with the signal's reason). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
