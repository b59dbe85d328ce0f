import type { HealthView } from '../../health/deployment-health.ts';
import type { RouteTarget } from '../route-target.ts';

/**
 * Power of two choices on the moving average of time to first token: two
 * deployments drawn at random, the one that answers faster first. A
 * deployment's average is weighed by the attempts it runs (a fast one that
 * is busy looks slower), and one never measured counts as fastest, so it
 * gets tried. The rest follow, fastest first.
 */
export function byLatency(deployments: readonly RouteTarget[], health: HealthView, random: () => number): RouteTarget[] {
  if (deployments.length < 2) return [...deployments];
  const score = (target: RouteTarget) => (target.deployment === undefined ? 0 : (health.ttftEwma(target.deployment) ?? 0) * (health.running(target.deployment) + 1));
  const first = Math.floor(random() * deployments.length);
  let second = Math.floor(random() * (deployments.length - 1));
  if (second >= first) second++;
  const [a, b] = [deployments[first], deployments[second]];
  const winner = score(b) < score(a) ? b : a;
  const rest = deployments.filter((target) => target !== winner).sort((x, y) => score(x) - score(y));
  return [winner, ...rest];
}
