import type { FastifyInstance } from 'fastify';
import type { UsageGroup } from '../billing/usage-query.ts';
import { InvalidRequestError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';
import { parseAdminInput } from './admin-input.ts';
import { usageQuery } from './admin-schemas.ts';
import { managedKeysOf } from './key-routes.ts';

/**
 * `GET /admin/usage?from=&to=&key=&team=&model=&groupBy=key|team|model|day`: the
 * ledger's aggregates per group. `from` and `to` are days or ISO times
 * (`to` exclusive), `key` a key id, `team` a team's name (the requests its
 * keys made while in it; grouped by team, requests of no team are `team: null`). Grouped by key, each group also names
 * its key as it is called now.
 */
export function registerUsageRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  const managed = managedKeysOf(ctx);

  scope.get('/admin/usage', async (request) => {
    const query = parseAdminInput(usageQuery, request.query, 'The query');
    if (query.from !== undefined && query.to !== undefined && query.to <= query.from) throw new InvalidRequestError('to: must be later than from', 'to');
    const groups = await ctx.usage.aggregate({ from: query.from, to: query.to, keyId: query.key, team: query.team, model: query.model, groupBy: query.groupBy });
    const names = query.groupBy === 'key' ? await keyNames(ctx, managed) : null;
    return {
      object: 'list',
      groupBy: query.groupBy,
      from: query.from === undefined ? null : new Date(query.from).toISOString(),
      to: query.to === undefined ? null : new Date(query.to).toISOString(),
      data: groups.map((group) => row(query.groupBy, group, names)),
    };
  });
}

function row(groupBy: string, group: UsageGroup, names: ReadonlyMap<string, string> | null) {
  const { group: value, ...totals } = group;
  return { [groupBy]: groupBy === 'team' && value === '' ? null : value, ...(names === null ? {} : { name: names.get(value) ?? null }), ...totals };
}

async function keyNames(ctx: GatewayContext, managed: ReturnType<typeof managedKeysOf>): Promise<Map<string, string>> {
  const names = new Map<string, string>([['anonymous', 'anonymous']]);
  for (const caller of ctx.keys.configCallers()) names.set(caller.id, caller.name);
  for (const key of await managed.list()) names.set(key.id, key.name);
  return names;
}
