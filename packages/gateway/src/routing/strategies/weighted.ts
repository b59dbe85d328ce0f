import type { HealthView } from '../../health/deployment-health.ts';
import type { RouteTarget } from '../route-target.ts';

/**
 * Random by weight: each deployment comes first with a chance proportional
 * to its weight, and the rest follow in the same way (weighted sampling
 * without replacement, by the key random^(1/weight)), so failover spreads
 * by weight too.
 */
export function weightedRandom(deployments: readonly RouteTarget[], _health: HealthView, random: () => number): RouteTarget[] {
  if (deployments.length < 2) return [...deployments];
  return deployments
    .map((target) => ({ target, key: Math.pow(random(), 1 / target.weight) }))
    .sort((a, b) => b.key - a.key)
    .map(({ target }) => target);
}
