import { randomUUID } from 'node:crypto';
import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import type { Logger } from 'pino';
import { RateLimitExceededError } from '../errors/limit-errors.ts';
import type { LimitStore, LimitSubject } from '../limits/limit-store.ts';
import { reservationFor } from '../limits/reservation.ts';
import type { RouteTarget } from './route-target.ts';

/** The deployments a request may try after their own limits had their say, and how to give back what was taken. */
export interface DeploymentAdmission {
  targets: RouteTarget[];
  /** Once, when the request has ended: its real usage (or none). */
  settle(usage: Usage | undefined): void;
}

const NOTHING_TAKEN = (targets: RouteTarget[]): DeploymentAdmission => ({ targets, settle() {} });

/**
 * A deployment's own `limits` (rpm, tpm, concurrency, counted in the limit
 * store under `deployment:<id>`) are checked for the deployment a request
 * would go to first: one that refuses is skipped for the next, as a
 * breaker's would be, and the first that admits carries the request. Only
 * that first deployment is counted; a failover later in the request is
 * not. When every deployment with limits refuses and none is unlimited,
 * the request is a 429 with the soonest retry.
 */
export async function admitDeployment(store: LimitStore, logger: Logger, request: ChatCompletionRequest, targets: readonly RouteTarget[], defaultMaxTokens: number): Promise<DeploymentAdmission> {
  if (!targets.some((target) => target.limits !== undefined && target.deployment !== undefined)) return NOTHING_TAKEN([...targets]);
  const skipped = new Set<RouteTarget>();
  let soonestRetryMs = Infinity;
  for (const target of targets) {
    // The response cache's targets and unlimited deployments take the request as they are.
    if (target.cached === true) continue;
    if (target.limits === undefined || target.deployment === undefined) break;
    const subject: LimitSubject = { id: `deployment:${target.deployment}`, ...target.limits };
    const reservation = reservationFor(request, [target], defaultMaxTokens, subject.tpm !== undefined);
    const lease = `deployment:${randomUUID()}`;
    let result;
    try {
      result = await store.admit({ lease, subjects: [subject], tokens: reservation.tokens, cost: 0 });
    } catch (error) {
      // Deployment limits steer traffic; with the store unreachable the request goes on uncounted.
      logger.error({ err: error }, 'checking deployment limits failed; the deployment takes the request uncounted');
      break;
    }
    if (result.admitted) return { targets: targets.filter((t) => !skipped.has(t)), settle: settleOnce(store, logger, lease, subject, reservation.tokens) };
    skipped.add(target);
    soonestRetryMs = Math.min(soonestRetryMs, result.refusal.retryAfterMs ?? 1000);
  }
  const left = targets.filter((t) => !skipped.has(t) && t.cached !== true);
  if (left.length === 0) throw new RateLimitExceededError(`Every deployment of "${request.model}" is at its own rate or concurrency limit; try again shortly.`, 'requests', soonestRetryMs === Infinity ? 1000 : soonestRetryMs, {});
  return NOTHING_TAKEN(targets.filter((t) => !skipped.has(t)));
}

function settleOnce(store: LimitStore, logger: Logger, lease: string, subject: LimitSubject, reservedTokens: number): (usage: Usage | undefined) => void {
  let settled = false;
  return (usage) => {
    if (settled) return;
    settled = true;
    const usedTokens = usage === undefined ? 0 : usage.prompt_tokens + usage.completion_tokens;
    store.settle({ lease, subjects: [subject], reservedTokens, usedTokens, cost: 0 }).catch((error: unknown) => logger.error({ err: error }, 'settling deployment limits failed (its lease expires by itself)'));
  };
}
