import type { FastifyInstance } from 'fastify';
import type { Caller } from '../auth/key-ring.ts';
import type { GatewayContext } from '../request/context.ts';

/** A key as the admin API shows it: never its secret. */
export interface KeyView {
  id: string;
  object: 'key';
  name: string;
  /** `config` keys come from the config file and are read-only; `managed` ones from the admin API. */
  source: 'config' | 'managed';
  team: string | null;
  models: readonly string[] | null;
  limits: Caller['limits'] | null;
  expiresAt: string | null;
  createdAt: string | null;
}

function configKeyView(caller: Caller): KeyView {
  return { id: caller.id, object: 'key', name: caller.name, source: 'config', team: null, models: null, limits: null, expiresAt: null, createdAt: null };
}

/** `/admin/keys`: list the keys. */
export function registerKeyRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  scope.get('/admin/keys', async () => ({ object: 'list', data: ctx.keys.configCallers().map(configKeyView) }));
}
