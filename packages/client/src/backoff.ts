/**
 * Exponential backoff with full jitter: the delay before attempt n is drawn
 * uniformly from [0, min(max, base·2ⁿ)). Spreading the whole range (not just
 * a ±25 % wobble) keeps many clients that lost the same connection from all
 * coming back in the same instant.
 */
import { AbortError } from './errors.ts';

export interface BackoffOptions {
  /** Ceiling of the first delay, in milliseconds. */
  baseMs: number;
  /** No delay ever exceeds this. */
  maxMs: number;
}

export function fullJitterDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error a signal was aborted with, or an AbortError when it carried none of ours. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  // A DOMException named AbortError is the platform saying "no reason given"; ours are classes with a code.
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new AbortError();
}
