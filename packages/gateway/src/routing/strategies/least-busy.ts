import type { HealthView } from '../../health/deployment-health.ts';
import type { RouteTarget } from '../route-target.ts';

/** Fewest attempts running on this replica first; ties broken at random so equals share the load. */
export function leastBusy(deployments: readonly RouteTarget[], health: HealthView, random: () => number): RouteTarget[] {
  if (deployments.length < 2) return [...deployments];
  return deployments
    .map((target) => ({ target, running: target.deployment === undefined ? 0 : health.running(target.deployment), tie: random() }))
    .sort((a, b) => a.running - b.running || a.tie - b.tie)
    .map(({ target }) => target);
}
