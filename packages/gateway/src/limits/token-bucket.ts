/**
 * A per-minute token bucket refilled continuously, holding at most its
 * per-minute amount (OpenAI's semantics: the burst is the whole minute).
 * It may go below zero when a request used more than it reserved; it then
 * refills from there. The same arithmetic runs in the Redis scripts.
 */
export interface BucketLevel {
  tokens: number;
  at: number;
}

export function refilled(level: BucketLevel | undefined, perMinute: number, now: number): number {
  if (level === undefined) return perMinute;
  return Math.min(perMinute, level.tokens + ((now - level.at) * perMinute) / 60_000);
}

/** Milliseconds until a bucket holding `tokens` holds `wanted`. */
export function msUntil(tokens: number, wanted: number, perMinute: number): number {
  return tokens >= wanted ? 0 : Math.ceil(((wanted - tokens) * 60_000) / perMinute);
}
