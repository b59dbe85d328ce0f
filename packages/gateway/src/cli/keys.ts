import type { KeyLimits } from '../limits/limit-spec.ts';
import { AdminClient, CliError, type AdminOptions } from './admin-client.ts';
import { describeLimits, dollars, hasLimitFlags, limitsOf, print, type LimitFlags } from './limit-flags.ts';
import { formatRecord, formatTable } from './table.ts';

/** A key as the admin API answers it. */
interface Key {
  id: string;
  name: string;
  source: string;
  status: string;
  team: string | null;
  models: string[] | null;
  limits: KeyLimits | null;
  expiresAt: string | null;
  createdAt: string | null;
  revokedAt: string | null;
  key?: string;
  usage?: Record<string, number | string | null>;
}

export interface CreateKeyOptions extends AdminOptions, LimitFlags {
  name: string;
  team?: string;
  models?: string;
  expires?: string;
}

export interface UpdateKeyOptions extends AdminOptions, LimitFlags {
  name?: string;
  team?: string;
  models?: string;
  expires?: string;
}

function modelsOf(value: string): string[] {
  return value.split(',').map((model) => model.trim()).filter((model) => model !== '');
}

function keyRecord(key: Key): string {
  const entries: [string, string | number | null | undefined][] = [
    ['id', key.id],
    ['name', key.name],
    ['source', key.source],
    ['status', key.status],
    ['team', key.team],
    ['models', key.models?.join(', ')],
    ['limits', describeLimits(key.limits)],
    ['expires', key.expiresAt],
    ['created', key.createdAt],
  ];
  if (key.revokedAt !== null) entries.push(['revoked', key.revokedAt]);
  for (const [name, value] of Object.entries(key.usage ?? {})) entries.push([name, name === 'spent' || name === 'budgetRemaining' ? dollars(value) : value]);
  return formatRecord(entries);
}

/** `sluice keys create`: the secret is printed once, on its own line, to store at once. */
export async function createKey(options: CreateKeyOptions): Promise<void> {
  const limits = limitsOf(options);
  const models = options.models === undefined ? undefined : modelsOf(options.models);
  const body = {
    name: options.name,
    ...(options.team === undefined ? {} : { team: options.team }),
    ...(models === undefined ? {} : { models }),
    ...(options.expires === undefined ? {} : { expiresAt: options.expires }),
    ...(limits === null ? {} : { limits }),
  };
  const key = await new AdminClient(options).call<Key>('POST', '/admin/keys', body);
  print(options, key, () => `${keyRecord(key)}\nkey  ${key.key}\n(shown once: store it now)\n`);
}

export async function listKeys(options: AdminOptions): Promise<void> {
  const { data } = await new AdminClient(options).call<{ data: Key[] }>('GET', '/admin/keys');
  print(options, data, () =>
    formatTable(
      ['ID', 'NAME', 'SOURCE', 'STATUS', 'TEAM', 'MODELS', 'LIMITS', 'EXPIRES'],
      data.map((key) => [key.id, key.name, key.source, key.status, key.team, key.models?.join(','), describeLimits(key.limits), key.expiresAt]),
    ),
  );
}

export async function showKey(id: string, options: AdminOptions): Promise<void> {
  const key = await new AdminClient(options).call<Key>('GET', `/admin/keys/${encodeURIComponent(id)}`);
  print(options, key, () => keyRecord(key));
}

/**
 * `sluice keys update ID`: only the fields given change. Limit flags change
 * those limits and keep the others (`none` removes one); `--team none`
 * leaves the team, `--expires never` makes the key last.
 */
export async function updateKey(id: string, options: UpdateKeyOptions): Promise<void> {
  const client = new AdminClient(options);
  const path = `/admin/keys/${encodeURIComponent(id)}`;
  const changes: Record<string, unknown> = {};
  if (options.name !== undefined) changes.name = options.name;
  if (options.team !== undefined) changes.team = options.team === 'none' ? null : options.team;
  if (options.models !== undefined) changes.models = options.models === 'all' ? null : modelsOf(options.models);
  if (options.expires !== undefined) changes.expiresAt = options.expires === 'never' ? null : options.expires;
  if (hasLimitFlags(options)) changes.limits = limitsOf(options, (await client.call<Key>('GET', path)).limits);
  if (Object.keys(changes).length === 0) throw new CliError('nothing to change: give --name, --team, --models, --expires, --rpm, --tpm, --concurrency or --budget', 2);
  const key = await client.call<Key>('PATCH', path, changes);
  print(options, key, () => keyRecord(key));
}

export async function revokeKey(id: string, options: AdminOptions): Promise<void> {
  const key = await new AdminClient(options).call<Key>('DELETE', `/admin/keys/${encodeURIComponent(id)}`);
  print(options, key, () => `revoked ${key.id} (${key.name}) at ${key.revokedAt}\n`);
}
