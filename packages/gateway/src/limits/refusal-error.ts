import type { GatewayError } from '../errors/index.ts';
import { InsufficientQuotaError, RateLimitExceededError } from '../errors/limit-errors.ts';
import type { Refusal } from './limit-store.ts';
import type { Reservation } from './reservation.ts';

/** The 429 for a refusal, naming the subject and the limit (a budget's is insufficient_quota). */
export function refusalError(refusal: Refusal, headers: Record<string, string>, reservation: Pick<Reservation, 'tokens' | 'cost'>): GatewayError {
  const who = refusal.subject;
  switch (refusal.kind) {
    case 'budget':
      return new InsufficientQuotaError(`The budget of ${who} cannot cover this request (it reserves $${reservation.cost.toFixed(6)}); it resets with its period.`, headers);
    case 'tpm':
      if (refusal.retryAfterMs === null) return new RateLimitExceededError(`This request needs ${reservation.tokens} tokens, more than the tokens-per-minute limit of ${who}; lower max_tokens or shorten the prompt.`, 'tokens', 60_000, headers);
      return new RateLimitExceededError(`Rate limit reached for ${who} on tokens per minute. Try again in ${seconds(refusal.retryAfterMs)}.`, 'tokens', refusal.retryAfterMs, headers);
    case 'rpm':
      return new RateLimitExceededError(`Rate limit reached for ${who} on requests per minute. Try again in ${seconds(refusal.retryAfterMs ?? 1000)}.`, 'requests', refusal.retryAfterMs ?? 1000, headers);
    case 'concurrency':
      return new RateLimitExceededError(`Concurrency limit reached for ${who}: wait for one of its streams to end.`, 'requests', 1000, headers);
    case 'queue':
      return new RateLimitExceededError(`Requests of ${who} are waiting their turn in its queue: try again shortly.`, 'requests', 1000, headers);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}
