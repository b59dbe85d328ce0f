import type { HedgeConfig } from '../config/routing-schema.ts';
import type { HealthView } from '../health/deployment-health.ts';
import { NoHealthyDeploymentError } from '../health/no-healthy-deployment.ts';
import type { RouteTarget } from './route-target.ts';
import type { Strategy } from './strategies/strategy.ts';

/** An alias's deployments and how it picks among them. */
export interface DeploymentGroup {
  deployments: readonly RouteTarget[];
  strategy: Strategy;
}

/** Where a resolved model may go: its own deployments, then each fallback's, and how to hedge and cache. */
export interface RoutePlanOptions {
  /** The alias (or `<provider>/<model>`) the plan serves. */
  model: string;
  /** The alias's own deployments first, then each fallback's. */
  groups: readonly DeploymentGroup[];
  hedge?: HedgeConfig;
  /** The alias caches deterministic requests, for this long (null: the cache's default TTL); false: it does not opt in. */
  cacheTtlMs: number | null | false;
}

/**
 * One alias's routing, resolved from the config once: `targets` orders it
 * for a request. Deployments whose breaker is open are left out; when that
 * leaves nothing, the request fails at once with 503 and the time until the
 * first breaker lets a probe through.
 */
export class RoutePlan {
  readonly model: string;
  readonly groups: readonly DeploymentGroup[];
  readonly hedge: HedgeConfig | undefined;
  readonly cacheTtlMs: number | null | false;

  constructor(options: RoutePlanOptions) {
    this.model = options.model;
    this.groups = options.groups;
    this.hedge = options.hedge;
    this.cacheTtlMs = options.cacheTtlMs;
  }

  /** Every target of the plan, in config order, each once. */
  get all(): RouteTarget[] {
    return unique(this.groups.flatMap((group) => group.deployments));
  }

  /** The order to try targets in for one request; throws NoHealthyDeploymentError when every one is out of service. */
  targets(health: HealthView, random: () => number = Math.random): RouteTarget[] {
    const ordered: RouteTarget[] = [];
    for (const group of this.groups) {
      const healthy = group.deployments.filter((target) => target.deployment === undefined || health.available(target.deployment));
      ordered.push(...group.strategy(healthy, health, random));
    }
    const targets = unique(ordered);
    if (targets.length > 0) return targets;
    const deployments = this.all.flatMap((target) => (target.deployment === undefined ? [] : [target.deployment]));
    throw new NoHealthyDeploymentError(this.model, health.retryAfterMs(deployments));
  }
}

/** Targets in order, a deployment listed again (by an alias and its fallback, say) kept at its first place. */
function unique(targets: readonly RouteTarget[]): RouteTarget[] {
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = target.deployment ?? target.label;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
