import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerKeyRoutes } from './key-routes.ts';
import { registerTeamRoutes } from './team-routes.ts';
import { registerUsageRoutes } from './usage-routes.ts';
import { registerEventsRoutes } from './events-route.ts';
import { registerHealthRoutes } from './health-route.ts';
import { registerObservabilityRoutes } from './observability-scope.ts';
import { registerRequestsRoutes } from './requests-route.ts';
import { registerSpendRoutes } from './spend-route.ts';
import { registerTrafficRoutes } from './traffic-route.ts';

/** Every route of the admin API, behind the admin key; nothing at all when the admin API is off. */
export function registerAdminApi(app: FastifyInstance, ctx: GatewayContext): void {
  registerAdminRoutes(app, ctx, (scope) => {
    registerKeyRoutes(scope, ctx);
    registerTeamRoutes(scope, ctx);
    registerUsageRoutes(scope, ctx);
  });
  // What the dashboard reads (and its cancel): behind the admin key, or open on a keyless loopback gateway.
  registerObservabilityRoutes(app, ctx, (scope) => {
    registerEventsRoutes(scope, ctx, ctx.liveFeed);
    registerRequestsRoutes(scope, ctx);
    registerTrafficRoutes(scope, ctx);
    registerSpendRoutes(scope, ctx);
    registerHealthRoutes(scope, ctx, ctx.activity);
  });
}
