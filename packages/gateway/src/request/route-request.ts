import type { ChatCompletionRequest } from '@sluice/protocol';
import type { Caller } from '../auth/key-ring.ts';
import { describeDecision } from '../routing/rules/route-rules.ts';
import type { GenerationOptions } from '../streams/generation.ts';
import type { GatewayContext } from './context.ts';
import type { RouteHints } from './route-hints.ts';

/** What routing decides for a generation: where to try, in order, and how. */
export type RoutedOptions = Pick<GenerationOptions, 'targets' | 'health' | 'hedge' | 'route'>;

/**
 * Route one request: a router model picks an alias by its rules, the
 * alias's strategy orders its healthy deployments (then its fallbacks').
 * Throws ModelNotFoundError, or NoHealthyDeploymentError (503) when every
 * deployment is out of service.
 */
export function routeRequest(ctx: GatewayContext, caller: Caller, request: ChatCompletionRequest, hints: RouteHints): RoutedOptions {
  const rules = ctx.router.rulesFor(request.model);
  const decision = rules?.decide(request, { key: caller.name, team: caller.team?.name, hint: hints.route });
  const plan = ctx.router.plan(decision?.alias ?? request.model);
  return {
    targets: plan.targets(ctx.health),
    health: ctx.health,
    hedge: plan.hedge,
    route: decision === undefined ? undefined : describeDecision(decision),
  };
}
