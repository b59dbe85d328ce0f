import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import { registerAdminRoutes } from './admin-routes.ts';

/**
 * Where the dashboard's read-and-cancel routes live: behind the admin key
 * when the admin API is on; on a keyless gateway, which may only listen on
 * loopback (and whose Host and Origin guards refuse other sites), open like
 * its chat endpoints, so `npm start` opens the dashboard directly. A gateway
 * with keys but no admin key has no such routes at all.
 */
export function registerObservabilityRoutes(app: FastifyInstance, ctx: GatewayContext, register: (scope: FastifyInstance) => void): void {
  if (ctx.admin !== null) return registerAdminRoutes(app, ctx, register);
  if (!ctx.keys.open) return;
  void app.register(async (scope) => register(scope));
}

/** Whether the dashboard's data needs the admin key (false: a keyless loopback gateway), or is unavailable (null). */
export function observabilityAccess(ctx: GatewayContext): 'admin-key' | 'open' | null {
  if (ctx.admin !== null) return 'admin-key';
  return ctx.keys.open ? 'open' : null;
}
