import type { Usage } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';
import { RateLimitExceededError } from '../errors/limit-errors.ts';
import type { RouteTarget } from '../routing/route-target.ts';

/**
 * Admits each upstream attempt of a request against the limits of the
 * target it goes to (its deployment's, its provider's, its model alias's),
 * when the attempt starts: the first, a retry, a failover or a hedge. A
 * refused attempt is skipped for the next target, as a breaker's would be.
 * It throws only when the limits cannot be checked at all (the store is
 * unreachable and `limits.failMode` is closed).
 */
export interface AttemptGate {
  admit(target: RouteTarget): Promise<AttemptPass | AttemptRefusal>;
}

/** What an admitted attempt holds (a lease, tokens) until it ends. */
export interface AttemptPass {
  /**
   * The attempt is over, once: `usage` is what it really used (the attempt
   * that served the stream), `'prompt'` when it was cut off after its prompt
   * went upstream (a hedge that lost, a cancel), nothing when it failed.
   */
  end(usage?: Usage | 'prompt'): void;
}

export interface AttemptRefusal {
  /** The 429 that names the limit; the request's error when no target is left. */
  refusal: GatewayError;
}

/** The pass of an attempt nothing limits. */
export const FREE_PASS: AttemptPass = { end() {} };

/** The error of a request whose every remaining target refused it by its own limits: that 429, or one naming them all. */
export function refusedEverywhere(model: string, refusals: readonly GatewayError[]): GatewayError {
  if (refusals.length === 1) return refusals[0];
  const retryAfterMs = Math.min(...refusals.map((refusal) => refusal.retryAfterMs ?? 1000));
  const reasons = refusals.map((refusal) => refusal.message.replace(/\.$/, '')).join('; ');
  return new RateLimitExceededError(`Every target of "${model}" is at its own limits (${reasons}).`, 'requests', retryAfterMs, {});
}
