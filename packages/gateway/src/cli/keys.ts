import type { KeyLimits } from '../limits/limit-spec.ts';
import { AdminClient, CliError, type AdminOptions } from './admin-client.ts';
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

export interface CreateKeyOptions extends AdminOptions {
  name: string;
  team?: string;
  rpm?: string;
  tpm?: string;
  concurrency?: string;
  budget?: string;
  models?: string;
  expires?: string;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new CliError(`--${flag}: "${value}" is not a positive whole number`, 2);
  return number;
}

/** `--budget 10/day`: US dollars per day, month or total. */
function budgetOf(value: string | undefined): KeyLimits['budget'] {
  if (value === undefined) return undefined;
  const match = /^\$?(\d+(?:\.\d+)?)\/(day|month|total)$/.exec(value.trim());
  if (match === null || Number(match[1]) <= 0) throw new CliError(`--budget: "${value}" is not <usd>/<day|month|total>, like 10/day`, 2);
  return { usd: Number(match[1]), period: match[2] as 'day' | 'month' | 'total' };
}

/** A key's limits in one short line: `rpm 100, tpm 5000, concurrency 5, $10/day`. */
export function describeLimits(limits: KeyLimits | null): string {
  if (limits === null) return '';
  const parts: string[] = [];
  if (limits.rpm !== undefined) parts.push(`rpm ${limits.rpm}`);
  if (limits.tpm !== undefined) parts.push(`tpm ${limits.tpm}`);
  if (limits.concurrency !== undefined) parts.push(`concurrency ${limits.concurrency}`);
  if (limits.budget !== undefined) parts.push(`$${limits.budget.usd}/${limits.budget.period}`);
  if (limits.queue !== undefined) parts.push(`queue ${limits.queue.maxWaitMs} ms`);
  return parts.join(', ');
}

function print(options: AdminOptions, value: unknown, text: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : text());
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

function dollars(value: number | string | null | undefined): string | null {
  return typeof value === 'number' ? `$${value.toFixed(6)}` : (value ?? null);
}

/** `sluice keys create`: the secret is printed once, on its own line, to store at once. */
export async function createKey(options: CreateKeyOptions): Promise<void> {
  const limits: KeyLimits = {};
  const rpm = positiveInteger('rpm', options.rpm);
  const tpm = positiveInteger('tpm', options.tpm);
  const concurrency = positiveInteger('concurrency', options.concurrency);
  const budget = budgetOf(options.budget);
  if (rpm !== undefined) limits.rpm = rpm;
  if (tpm !== undefined) limits.tpm = tpm;
  if (concurrency !== undefined) limits.concurrency = concurrency;
  if (budget !== undefined) limits.budget = budget;
  const models = options.models?.split(',').map((model) => model.trim()).filter((model) => model !== '');
  const body = {
    name: options.name,
    ...(options.team === undefined ? {} : { team: options.team }),
    ...(models === undefined ? {} : { models }),
    ...(options.expires === undefined ? {} : { expiresAt: options.expires }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
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

export async function revokeKey(id: string, options: AdminOptions): Promise<void> {
  const key = await new AdminClient(options).call<Key>('DELETE', `/admin/keys/${encodeURIComponent(id)}`);
  print(options, key, () => `revoked ${key.id} (${key.name}) at ${key.revokedAt}\n`);
}
