import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerKeyRoutes } from './key-routes.ts';
import { registerTeamRoutes } from './team-routes.ts';
import { registerUsageRoutes } from './usage-routes.ts';

/** Every route of the admin API, behind the admin key; nothing at all when the admin API is off. */
export function registerAdminApi(app: FastifyInstance, ctx: GatewayContext): void {
  registerAdminRoutes(app, ctx, (scope) => {
    registerKeyRoutes(scope, ctx);
    registerTeamRoutes(scope, ctx);
    registerUsageRoutes(scope, ctx);
  });
}
