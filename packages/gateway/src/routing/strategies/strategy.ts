import type { StrategyName } from '../../config/routing-schema.ts';
import type { HealthView } from '../../health/deployment-health.ts';
import type { RouteTarget } from '../route-target.ts';
import { byCost } from './cost.ts';
import { byLatency } from './latency.ts';
import { leastBusy } from './least-busy.ts';
import { byPriority } from './priority.ts';
import { weightedRandom } from './weighted.ts';

/**
 * How an alias orders its healthy deployments for one request: the first is
 * tried first, the next ones are where retries fail over and a hedge goes.
 * `random` is passed in so tests can seed it.
 */
export type Strategy = (deployments: readonly RouteTarget[], health: HealthView, random: () => number) => RouteTarget[];

const STRATEGIES: Record<StrategyName, Strategy> = {
  weighted: weightedRandom,
  latency: byLatency,
  'least-busy': leastBusy,
  cost: byCost,
  priority: byPriority,
};

export function strategyFor(name: StrategyName): Strategy {
  return STRATEGIES[name];
}
