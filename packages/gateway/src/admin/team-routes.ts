import type { FastifyInstance } from 'fastify';
import type { Team } from '../keys/managed-key.ts';
import type { GatewayContext } from '../request/context.ts';
import { parseAdminInput } from './admin-input.ts';
import { createTeamBody, updateTeamBody } from './admin-schemas.ts';
import { managedKeysOf } from './key-routes.ts';
import { teamUsage } from './key-usage.ts';

interface TeamRoute {
  Params: { name: string };
}

function teamView(team: Team, source: 'config' | 'managed' = 'managed') {
  return { object: 'team', name: team.name, source, limits: team.limits, createdAt: source === 'config' ? null : new Date(team.createdAt).toISOString() };
}

/** `/admin/teams`: create, list, show with live usage, change a team's limits (which every key of the team shares). */
export function registerTeamRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  const managed = managedKeysOf(ctx);

  scope.post('/admin/teams', async (request, reply) => {
    const input = parseAdminInput(createTeamBody, request.body);
    return reply.code(201).send(teamView(await managed.createTeam(input.name, input.limits ?? null)));
  });

  scope.get('/admin/teams', async () => ({
    object: 'list',
    data: [...ctx.config.teams.map((team) => teamView({ name: team.name, limits: team.limits ?? null, createdAt: 0 }, 'config')), ...(await managed.teams()).map((team) => teamView(team))],
  }));

  scope.get<TeamRoute>('/admin/teams/:name', async (request) => {
    const { name } = request.params;
    const configured = ctx.config.teams.find((team) => team.name === name);
    const view = configured === undefined ? teamView(await managed.team(name)) : teamView({ name, limits: configured.limits ?? null, createdAt: 0 }, 'config');
    return { ...view, usage: await teamUsage(ctx, name, view.limits) };
  });

  scope.patch<TeamRoute>('/admin/teams/:name', async (request) => {
    const input = parseAdminInput(updateTeamBody, request.body);
    return teamView(await managed.updateTeam(request.params.name, input.limits));
  });
}
