import type { KeyLimits } from '../limits/limit-spec.ts';
import { AdminClient, CliError, type AdminOptions } from './admin-client.ts';
import { describeLimits, dollars, hasLimitFlags, limitsOf, print, type LimitFlags } from './limit-flags.ts';
import { formatRecord, formatTable } from './table.ts';

/** A team as the admin API answers it. */
interface Team {
  name: string;
  source: string;
  limits: KeyLimits | null;
  createdAt: string | null;
  usage?: Record<string, number | string | null>;
}

export interface CreateTeamOptions extends AdminOptions, LimitFlags {
  name: string;
}

const pathOf = (name: string) => `/admin/teams/${encodeURIComponent(name)}`;

function teamRecord(team: Team): string {
  const entries: [string, string | number | null | undefined][] = [
    ['name', team.name],
    ['source', team.source],
    ['limits', describeLimits(team.limits)],
    ['created', team.createdAt],
  ];
  for (const [name, value] of Object.entries(team.usage ?? {})) entries.push([name, name === 'spent' || name === 'budgetRemaining' ? dollars(value) : value]);
  return formatRecord(entries);
}

/** `sluice teams create`: a team whose limits every key of it shares. */
export async function createTeam(options: CreateTeamOptions): Promise<void> {
  const limits = limitsOf(options);
  const team = await new AdminClient(options).call<Team>('POST', '/admin/teams', { name: options.name, ...(limits === null ? {} : { limits }) });
  print(options, team, () => teamRecord(team));
}

export async function listTeams(options: AdminOptions): Promise<void> {
  const { data } = await new AdminClient(options).call<{ data: Team[] }>('GET', '/admin/teams');
  print(options, data, () =>
    formatTable(
      ['NAME', 'SOURCE', 'LIMITS', 'CREATED'],
      data.map((team) => [team.name, team.source, describeLimits(team.limits), team.createdAt]),
    ),
  );
}

/** `sluice teams show NAME`: the team and its live usage (what its keys spent, what its limits have left). */
export async function showTeam(name: string, options: AdminOptions): Promise<void> {
  const team = await new AdminClient(options).call<Team>('GET', pathOf(name));
  print(options, team, () => teamRecord(team));
}

/** `sluice teams update NAME`: the limit flags given change those limits and keep the others (`none` removes one). */
export async function updateTeam(name: string, options: LimitFlags & AdminOptions): Promise<void> {
  if (!hasLimitFlags(options)) throw new CliError('nothing to change: give --rpm, --tpm, --concurrency or --budget', 2);
  const client = new AdminClient(options);
  const current = await client.call<Team>('GET', pathOf(name));
  const team = await client.call<Team>('PATCH', pathOf(name), { limits: limitsOf(options, current.limits) });
  print(options, team, () => teamRecord(team));
}
