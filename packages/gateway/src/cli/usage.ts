import { AdminClient, CliError, type AdminOptions } from './admin-client.ts';
import { formatTable } from './table.ts';
import type { UsageGroup } from '../billing/usage-query.ts';

export interface UsageOptions extends AdminOptions {
  by?: string;
  from?: string;
  to?: string;
  key?: string;
  team?: string;
  model?: string;
}

/** A row of `GET /admin/usage`: the group under its grouping's name (`key`, `team`, `model` or `day`), a key's name, the totals. */
type UsageRow = Omit<UsageGroup, 'group'> & { key?: string; team?: string | null; model?: string; day?: string; name?: string | null };

const BY = ['key', 'team', 'model', 'day'];
const NUMBERS = new Set(['REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'COST', 'P50 TTFT']);

/** `sluice usage`: the ledger's aggregates, by key (default), team, model or day. */
export async function usage(options: UsageOptions): Promise<void> {
  const by = options.by ?? 'key';
  if (!BY.includes(by)) throw new CliError(`--by: "${by}" is not one of ${BY.join(', ')}`, 2);
  const query = new URLSearchParams({ groupBy: by });
  for (const name of ['from', 'to', 'key', 'team', 'model'] as const) if (options[name] !== undefined) query.set(name, options[name]);
  const answer = await new AdminClient(options).call<{ data: UsageRow[] }>('GET', `/admin/usage?${query}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(answer.data, null, 2)}\n`);
    return;
  }
  const headers = [by.toUpperCase(), ...(by === 'key' ? ['NAME'] : []), 'REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'COST', 'P50 TTFT'];
  const rows = answer.data.map((group) => [
    group[by as 'key' | 'team' | 'model' | 'day'],
    ...(by === 'key' ? [group.name] : []),
    group.requests,
    group.errors,
    group.promptTokens,
    group.completionTokens,
    `$${group.cost.toFixed(6)}`,
    group.p50TtftMs === null ? null : `${group.p50TtftMs} ms`,
  ]);
  process.stdout.write(formatTable(headers, rows, NUMBERS));
}
