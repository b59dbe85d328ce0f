import type { ChatCompletionRequest } from '@sluice/protocol';
import type { Caller } from '../auth/key-ring.ts';
import { cacheKeyOf } from '../routing/cache/cache-key.ts';
import type { CacheParticipation } from '../routing/cache/response-cache.ts';
import type { RoutePlan } from '../routing/route-plan.ts';
import { describeDecision } from '../routing/rules/route-rules.ts';
import type { GenerationOptions } from '../streams/generation.ts';
import type { GatewayContext } from './context.ts';
import type { RouteHints } from './route-hints.ts';

/** What routing decides for a generation: where to try, in order, and how; and its part in the response cache. */
export interface RoutedRequest {
  options: Pick<GenerationOptions, 'targets' | 'health' | 'hedge' | 'route' | 'cacheKey'>;
  cache?: CacheParticipation;
}

/**
 * Route one request: a router model picks an alias by its rules, the
 * alias's strategy orders its healthy deployments (then its fallbacks'),
 * and a cacheable request is answered by its running twin or the stored
 * answer before any of them. Throws ModelNotFoundError, or
 * NoHealthyDeploymentError (503) when every deployment is out of service.
 */
export function routeRequest(ctx: GatewayContext, caller: Caller, request: ChatCompletionRequest, hints: RouteHints): RoutedRequest {
  const rules = ctx.router.rulesFor(request.model);
  const decision = rules?.decide(request, { key: caller.name, team: caller.team?.name, hint: hints.route });
  const plan = ctx.router.plan(decision?.alias ?? request.model);
  const targets = plan.targets(ctx.health);
  const options = { targets, health: ctx.health, hedge: plan.hedge, route: decision === undefined ? undefined : describeDecision(decision) };
  const ttlMs = cacheTtlOf(plan, request, hints);
  if (ttlMs === false) return { options };
  const cacheKey = cacheKeyOf(plan.model, request);
  const cache = ctx.cache.participate(plan.model, cacheKey, ttlMs);
  return { options: { ...options, targets: [cache.target, ...targets], cacheKey }, cache };
}

/**
 * Whether the response cache takes part, and for how long it keeps the
 * answer (null: the configured TTL): `x-sluice-cache: 1` or `0` decides;
 * otherwise an alias that opts in caches deterministic requests
 * (temperature 0).
 */
function cacheTtlOf(plan: RoutePlan, request: ChatCompletionRequest, hints: RouteHints): number | null | false {
  if (hints.cache === false) return false;
  if (hints.cache === true) return plan.cacheTtlMs === false ? null : plan.cacheTtlMs;
  if (plan.cacheTtlMs === false || request.temperature !== 0) return false;
  return plan.cacheTtlMs;
}
