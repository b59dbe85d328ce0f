import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { AdminAuthenticationError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import type { AdminKey } from './admin-key.ts';

/**
 * The hook that lets only the admin key through (`Authorization: Bearer
 * <admin key>`), run when the headers arrive, before the body is read.
 * For a route outside `registerAdminRoutes` (a page that checks the key
 * its own way can call `AdminKey.verify` instead).
 */
export function adminOnly(admin: AdminKey): onRequestAsyncHookHandler {
  return async (request) => {
    if (!admin.verifyAuthorization(request.headers.authorization)) throw new AdminAuthenticationError();
  };
}

/**
 * How a module adds admin routes: `register` receives a Fastify scope in
 * which every route needs the admin key (401 `invalid_admin_key` without
 * it) and errors are answered in the OpenAI shape by the app's handler.
 * When the admin API is off (`ctx.admin` is null) nothing is registered,
 * so every path is the gateway's 404.
 *
 *   registerAdminRoutes(app, ctx, (scope) => {
 *     scope.get('/admin/events', async (request, reply) => { ... });
 *   });
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: GatewayContext, register: (scope: FastifyInstance) => void): void {
  const admin = ctx.admin;
  if (admin === null) return;
  void app.register(async (scope) => {
    scope.addHook('onRequest', adminOnly(admin));
    register(scope);
  });
}
