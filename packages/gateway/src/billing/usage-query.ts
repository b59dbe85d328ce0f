/** What `GET /admin/usage` asks the ledger: a time window (ms, `to` exclusive), optional filters, one grouping. */
export interface UsageQuery {
  from?: number;
  to?: number;
  /** A caller id: `config:<name>`, a managed key's id, or `anonymous`. */
  keyId?: string;
  /** A team's name: the requests its keys made while in it. */
  team?: string;
  model?: string;
  groupBy: UsageGrouping;
}

export const USAGE_GROUPINGS = ['key', 'team', 'model', 'day'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

/** One group's aggregates: the group is a caller id, a team (`""` for requests of no team), a model as the client named it, or a UTC day `YYYY-MM-DD`. */
export interface UsageGroup {
  group: string;
  /** Requests made; a hedge's losing attempt is no request of its own, though its cost and tokens count. */
  requests: number;
  /** Requests that ended in an error (cancelled ones are not errors). */
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  /** The median time to first token of the requests that had one (the lower middle value of an even count). */
  p50TtftMs: number | null;
}

/** The SQL filter of a query, with `?` or `$n` placeholders as `placeholder` makes them. */
export function usageFilter(query: UsageQuery, placeholder: (index: number) => string): { where: string; values: (string | number)[] } {
  const clauses: string[] = [];
  const values: (string | number)[] = [];
  const add = (clause: string, value: string | number) => {
    values.push(value);
    clauses.push(clause.replace('?', placeholder(values.length)));
  };
  if (query.from !== undefined) add('at >= ?', query.from);
  if (query.to !== undefined) add('at < ?', query.to);
  if (query.keyId !== undefined) add('key_id = ?', query.keyId);
  if (query.team !== undefined) add('team = ?', query.team);
  if (query.model !== undefined) add('model = ?', query.model);
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, values };
}

/** A row of aggregates as a driver hands it back (PostgreSQL gives counts and sums as strings). */
export function usageGroupOf(row: Record<string, unknown>): UsageGroup {
  return {
    group: String(row.grp),
    requests: Number(row.requests),
    errors: Number(row.errors),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cost: Number(row.cost),
    p50TtftMs: row.p50 === null || row.p50 === undefined ? null : Number(row.p50),
  };
}
