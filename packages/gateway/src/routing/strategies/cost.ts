import type { RouteTarget } from '../route-target.ts';

/** Cheapest first, by the price of a million input plus a million output tokens; equal prices keep the config's order. */
export function byCost(deployments: readonly RouteTarget[]): RouteTarget[] {
  return [...deployments].sort((a, b) => a.price.input + a.price.output - (b.price.input + b.price.output));
}
