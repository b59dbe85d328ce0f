import { GenAiBuckets } from '../telemetry/genai-conventions.ts';
import type { UsageRecord } from './usage-store.ts';

/** Which ledger rows `/admin/requests` wants, newest first. */
export interface LedgerFilter {
  key?: string;
  model?: string;
  /** One status; without it every request's own row (a hedge's losing attempts, `hedge_lost`, only when asked for). */
  status?: string;
  /** Epoch ms, inclusive / exclusive. */
  from?: number;
  to?: number;
  /** Rows after this one in newest-first order (the previous page's last row). */
  before?: { at: number; streamId: string };
  limit: number;
}

/** The ledger bucketed in time for the Traffic page. */
export interface TrafficSeries {
  bucketMs: number;
  /** Per bucket and requested model. */
  byModel: { t: number; model: string; requests: number; promptTokens: number; completionTokens: number; errors: number; cost: number }[];
  /** Time-to-first-token histogram per bucket and deployment; `counts[i]` are the streams at or under `bounds[i]` (the last: above every bound). */
  ttft: { t: number; deployment: string; counts: number[] }[];
  ttftBoundsMs: number[];
  /** Per bucket, the streams that did not end well, by error code (or status). */
  errors: { t: number; code: string; count: number }[];
  /** Per bucket and key. */
  costByKey: { t: number; key: string; cost: number }[];
}

/** TTFT histogram bounds in ms, the GenAI convention's buckets. */
export const TTFT_BOUNDS_MS = GenAiBuckets.timeToFirstToken.map((s) => Math.round(s * 1000));

/** A placeholder writer: SQLite's `?` or PostgreSQL's `$n`. */
export type Placeholder = (index: number) => string;

/** `WHERE …` for a filter, with its parameters. Columns as both ledgers name them. */
export function whereClause(filter: Omit<LedgerFilter, 'limit'>, p: Placeholder): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return p(params.length);
  };
  if (filter.key !== undefined) conditions.push(`key = ${param(filter.key)}`);
  if (filter.model !== undefined) conditions.push(`model = ${param(filter.model)}`);
  if (filter.status !== undefined) conditions.push(`status = ${param(filter.status)}`);
  else conditions.push(`status <> 'hedge_lost'`);
  if (filter.from !== undefined) conditions.push(`at >= ${param(filter.from)}`);
  if (filter.to !== undefined) conditions.push(`at < ${param(filter.to)}`);
  if (filter.before !== undefined) {
    const at = param(filter.before.at);
    conditions.push(`(at < ${at} OR (at = ${param(filter.before.at)} AND stream_id < ${param(filter.before.streamId)}))`);
  }
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
}

export const SELECT_COLUMNS =
  'at, stream_id, endpoint, key, key_id, team, model, target, status, prompt_tokens, completion_tokens, estimated, cost, ttft_ms, duration_ms, route, cached, retries, error_code, error_message';

/** A row of either ledger as a record. */
export function recordOf(row: Record<string, unknown>): UsageRecord {
  return {
    at: Number(row.at),
    streamId: String(row.stream_id),
    endpoint: String(row.endpoint),
    key: String(row.key),
    keyId: String(row.key_id ?? row.key),
    team: row.team == null ? null : String(row.team),
    model: String(row.model),
    target: row.target === null ? null : String(row.target),
    status: String(row.status),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    estimated: row.estimated === true || Number(row.estimated) === 1,
    cost: Number(row.cost),
    ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
    durationMs: Number(row.duration_ms),
    route: row.route == null ? null : String(row.route),
    cached: row.cached === true || Number(row.cached) === 1,
    retries: Number(row.retries ?? 0),
    errorCode: row.error_code == null ? null : String(row.error_code),
    errorMessage: row.error_message == null ? null : String(row.error_message),
  };
}

/** The four grouped queries behind TrafficSeries, for one time range. */
export function trafficQueries(table: string, from: number, to: number, bucketMs: number, p: Placeholder): { sql: string; params: unknown[] }[] {
  const bucket = `(at / ${bucketMs}) * ${bucketMs}`;
  const range = `at >= ${p(1)} AND at < ${p(2)}`;
  const params = [from, to];
  const ttftIndex = `CASE ${TTFT_BOUNDS_MS.map((bound, i) => `WHEN ttft_ms <= ${bound} THEN ${i}`).join(' ')} ELSE ${TTFT_BOUNDS_MS.length} END`;
  return [
    {
      sql: `SELECT ${bucket} AS t, model, SUM(CASE WHEN status <> 'hedge_lost' THEN 1 ELSE 0 END) AS requests, SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion, SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors, SUM(cost) AS cost FROM ${table} WHERE ${range} GROUP BY 1, 2 ORDER BY 1`,
      params,
    },
    { sql: `SELECT ${bucket} AS t, COALESCE(target, 'none') AS deployment, ${ttftIndex} AS idx, COUNT(*) AS n FROM ${table} WHERE ${range} AND ttft_ms IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1`, params },
    { sql: `SELECT ${bucket} AS t, COALESCE(error_code, status) AS code, COUNT(*) AS n FROM ${table} WHERE ${range} AND status NOT IN ('done', 'hedge_lost') GROUP BY 1, 2 ORDER BY 1`, params },
    { sql: `SELECT ${bucket} AS t, key, SUM(cost) AS cost FROM ${table} WHERE ${range} GROUP BY 1, 2 ORDER BY 1`, params },
  ];
}

/** The four result sets of `trafficQueries`, as a TrafficSeries. */
export function trafficOf(bucketMs: number, results: Record<string, unknown>[][]): TrafficSeries {
  const [models, ttftRows, errorRows, costRows] = results;
  const ttft = new Map<string, { t: number; deployment: string; counts: number[] }>();
  for (const row of ttftRows) {
    const id = `${row.t}\u0000${row.deployment}`;
    let entry = ttft.get(id);
    if (entry === undefined) ttft.set(id, (entry = { t: Number(row.t), deployment: String(row.deployment), counts: new Array<number>(TTFT_BOUNDS_MS.length + 1).fill(0) }));
    entry.counts[Number(row.idx)] += Number(row.n);
  }
  return {
    bucketMs,
    byModel: models.map((r) => ({ t: Number(r.t), model: String(r.model), requests: Number(r.requests), promptTokens: Number(r.prompt), completionTokens: Number(r.completion), errors: Number(r.errors), cost: Number(r.cost) })),
    ttft: [...ttft.values()],
    ttftBoundsMs: TTFT_BOUNDS_MS,
    errors: errorRows.map((r) => ({ t: Number(r.t), code: String(r.code), count: Number(r.n) })),
    costByKey: costRows.map((r) => ({ t: Number(r.t), key: String(r.key), cost: Number(r.cost) })),
  };
}

/** Spend per key and model: in total, since the month began and since the day began (UTC). */
export interface SpendRow {
  key: string;
  model: string;
  requests: number;
  costTotal: number;
  costMonth: number;
  costDay: number;
}

export function spendQuery(table: string, dayStart: number, monthStart: number, p: Placeholder): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT key, model, SUM(CASE WHEN status <> 'hedge_lost' THEN 1 ELSE 0 END) AS requests, SUM(cost) AS total, SUM(CASE WHEN at >= ${p(1)} THEN cost ELSE 0 END) AS month, SUM(CASE WHEN at >= ${p(2)} THEN cost ELSE 0 END) AS day FROM ${table} GROUP BY key, model`,
    params: [monthStart, dayStart],
  };
}

export function spendOf(rows: Record<string, unknown>[]): SpendRow[] {
  return rows.map((r) => ({ key: String(r.key), model: String(r.model), requests: Number(r.requests), costTotal: Number(r.total), costMonth: Number(r.month), costDay: Number(r.day) }));
}
