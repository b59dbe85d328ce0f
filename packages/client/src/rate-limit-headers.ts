/**
 * Reads the `x-ratelimit-*` headers OpenAI-style servers send, so the
 * scheduler can slow down before a 429 rather than after one.
 */

export interface BucketHint {
  /** Requests or tokens the server says remain in its window. */
  remaining?: number;
  /** Milliseconds until the server's window refills. */
  resetMs?: number;
}

export interface RateLimitHints {
  requests: BucketHint;
  tokens: BucketHint;
}

export function readRateLimitHeaders(headers: Headers): RateLimitHints {
  return { requests: hint(headers, 'requests'), tokens: hint(headers, 'tokens') };
}

function hint(headers: Headers, kind: 'requests' | 'tokens'): BucketHint {
  const result: BucketHint = {};
  const remaining = Number.parseFloat(headers.get(`x-ratelimit-remaining-${kind}`) ?? '');
  if (Number.isFinite(remaining) && remaining >= 0) result.remaining = remaining;
  const reset = parseDuration(headers.get(`x-ratelimit-reset-${kind}`));
  if (reset !== undefined) result.resetMs = reset;
  return result;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Durations as servers write them: `"20ms"`, `"1s"`, `"6m0s"`, `"1h2m3.5s"`,
 * or a bare number of seconds. Anything else is ignored (undefined).
 */
export function parseDuration(text: string | null): number | undefined {
  if (text === null) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number.parseFloat(trimmed) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(trimmed); m !== null; m = part.exec(trimmed)) {
    total += Number.parseFloat(m[1]) * UNIT_MS[m[2]];
    matched = part.lastIndex;
  }
  return matched > 0 && matched === trimmed.length ? total : undefined;
}
