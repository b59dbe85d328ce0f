import type { RouteTarget } from '../route-target.ts';

/** In the config's order: the next deployment only when the ones before are unhealthy or refuse. */
export function byPriority(deployments: readonly RouteTarget[]): RouteTarget[] {
  return [...deployments];
}
