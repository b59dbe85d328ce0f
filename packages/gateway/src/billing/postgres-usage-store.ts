import pg from 'pg';
import { BatchedWriter } from './batched-writer.ts';
import { LEDGER_FLUSH_MS, type UsageRecord, type UsageStore, type UsageTotals } from './usage-store.ts';
import { usageFilter, usageGroupOf, type UsageGroup, type UsageGrouping, type UsageQuery } from './usage-query.ts';
import { LEGACY_KEY_IDS } from './legacy-key-ids.ts';
import { recordOf, SELECT_COLUMNS, spendOf, spendQuery, trafficOf, trafficQueries, whereClause, type LedgerFilter, type SpendRow, type TrafficSeries } from './ledger-query.ts';

const GROUP_EXPRESSIONS: Record<UsageGrouping, string> = {
  key: 'key_id',
  team: "COALESCE(team, '')",
  model: 'model',
  day: "to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

const COLUMNS = 20;
/** Rows per INSERT, well under PostgreSQL's 65,535 parameters a statement. */
const ROWS_PER_INSERT = 1000;

/**
 * The shared ledger: PostgreSQL, for several replicas. Records settled within
 * 50 ms of each other go in one multi-row INSERT; the table is created on
 * first use.
 */
export class PostgresUsageStore implements UsageStore {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #ready: Promise<void>;
  readonly #writer: BatchedWriter<UsageRecord>;

  constructor(url: string, table: string, onError: (error: unknown) => void) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`ledger table name "${table}" must be a plain lower-case identifier`);
    this.#table = table;
    this.#pool = new pg.Pool({ connectionString: url, max: 4 });
    this.#pool.on('error', onError);
    this.#ready = this.#pool
      .query(
        // One replica at a time: replicas starting together would race on the catalog (a duplicate pg_type row, a column added twice).
        `SELECT pg_advisory_xact_lock(hashtext('sluice-ledger:${table}'));
        CREATE TABLE IF NOT EXISTS ${table} (
          at BIGINT NOT NULL, stream_id TEXT NOT NULL, endpoint TEXT NOT NULL DEFAULT 'chat', key TEXT NOT NULL, model TEXT NOT NULL, target TEXT,
          status TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
          estimated BOOLEAN NOT NULL, cost DOUBLE PRECISION NOT NULL, ttft_ms INTEGER, duration_ms INTEGER NOT NULL,
          route TEXT, cached BOOLEAN NOT NULL DEFAULT false
        );
        CREATE INDEX IF NOT EXISTS ${table}_key_at ON ${table} (key, at);
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS endpoint TEXT NOT NULL DEFAULT 'chat';
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS route TEXT;
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS cached BOOLEAN NOT NULL DEFAULT false;
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS retries INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS error_code TEXT;
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS error_message TEXT;
        ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS team TEXT;
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' AND column_name = 'key_id') THEN
            ALTER TABLE ${table} ADD COLUMN key_id TEXT;
            ${LEGACY_KEY_IDS.replace('$TABLE', table)}
          END IF;
        END $$;
        CREATE INDEX IF NOT EXISTS ${table}_key_id_at ON ${table} (key_id, at);
        CREATE INDEX IF NOT EXISTS ${table}_at ON ${table} (at);
        CREATE INDEX IF NOT EXISTS ${table}_team_at ON ${table} (team, at);`,
      )
      .then(() => undefined);
    this.#ready.catch(onError);
    this.#writer = new BatchedWriter(LEDGER_FLUSH_MS, (batch) => this.#insertAll(batch).catch(onError));
  }

  record(record: UsageRecord): void {
    this.#writer.add(record);
  }

  async totals(key?: string): Promise<UsageTotals> {
    await this.#writer.flush();
    const sql = `SELECT COUNT(*) AS requests, COALESCE(SUM(prompt_tokens), 0) AS prompt, COALESCE(SUM(completion_tokens), 0) AS completion, COALESCE(SUM(cost), 0) AS cost FROM ${this.#table}`;
    const { rows } = key === undefined ? await this.#pool.query(sql) : await this.#pool.query(`${sql} WHERE key = $1`, [key]);
    const row = rows[0] as Record<string, string | number>;
    return { requests: Number(row.requests), promptTokens: Number(row.prompt), completionTokens: Number(row.completion), cost: Number(row.cost) };
  }

  async aggregate(query: UsageQuery): Promise<UsageGroup[]> {
    await this.#writer.flush();
    await this.#ready;
    const { where, values } = usageFilter(query, (index) => `$${index}`);
    const { rows } = await this.#pool.query(
      `SELECT ${GROUP_EXPRESSIONS[query.groupBy]} AS grp, COUNT(*) FILTER (WHERE status <> 'hedge_lost') AS requests, COUNT(*) FILTER (WHERE status = 'error') AS errors,
        SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens, SUM(cost) AS cost,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY ttft_ms) AS p50
      FROM ${this.#table} ${where} GROUP BY grp ORDER BY grp`,
      values,
    );
    return (rows as Record<string, unknown>[]).map(usageGroupOf);
  }

  async spent(keyId: string, since: number): Promise<number> {
    await this.#writer.flush();
    await this.#ready;
    const { rows } = await this.#pool.query(`SELECT COALESCE(SUM(cost), 0) AS cost FROM ${this.#table} WHERE key_id = $1 AND at >= $2`, [keyId, since]);
    return Number((rows[0] as { cost: string }).cost);
  }

  async teamSpent(team: string, since: number): Promise<number> {
    await this.#writer.flush();
    await this.#ready;
    const { rows } = await this.#pool.query(`SELECT COALESCE(SUM(cost), 0) AS cost FROM ${this.#table} WHERE team = $1 AND at >= $2`, [team, since]);
    return Number((rows[0] as { cost: string }).cost);
  }

  async query(filter: LedgerFilter): Promise<UsageRecord[]> {
    await this.#writer.flush();
    await this.#ready;
    const where = whereClause(filter, (n) => `$${n}`);
    const { rows } = await this.#pool.query(`SELECT ${SELECT_COLUMNS} FROM ${this.#table} ${where.sql} ORDER BY at DESC, stream_id DESC LIMIT $${where.params.length + 1}`, [...where.params, filter.limit]);
    return rows.map((row) => recordOf(row as Record<string, unknown>));
  }

  async traffic(from: number, to: number, bucketMs: number): Promise<TrafficSeries> {
    await this.#writer.flush();
    await this.#ready;
    const results = await Promise.all(trafficQueries(this.#table, from, to, bucketMs, (n) => `$${n}::bigint`).map(async ({ sql, params }) => (await this.#pool.query(sql, params)).rows as Record<string, unknown>[]));
    return trafficOf(bucketMs, results);
  }

  async spend(dayStart: number, monthStart: number): Promise<SpendRow[]> {
    await this.#writer.flush();
    await this.#ready;
    const { sql, params } = spendQuery(this.#table, dayStart, monthStart, (n) => `$${n}::bigint`);
    return spendOf((await this.#pool.query(sql, params)).rows as Record<string, unknown>[]);
  }

  async close(): Promise<void> {
    await this.#writer.flush();
    await this.#pool.end();
  }

  async #insertAll(batch: UsageRecord[]): Promise<void> {
    await this.#ready;
    for (let start = 0; start < batch.length; start += ROWS_PER_INSERT) {
      const values: unknown[] = [];
      const rows = batch.slice(start, start + ROWS_PER_INSERT).map((r, i) => {
        values.push(r.at, r.streamId, r.endpoint, r.key, r.keyId, r.team ?? null, r.model, r.target, r.status, r.promptTokens, r.completionTokens, r.estimated, r.cost, r.ttftMs, r.durationMs, r.route, r.cached, r.retries ?? 0, r.errorCode ?? null, r.errorMessage ?? null);
        return `(${Array.from({ length: COLUMNS }, (_, j) => `$${i * COLUMNS + j + 1}`).join(', ')})`;
      });
      await this.#pool.query(
        `INSERT INTO ${this.#table} (at, stream_id, endpoint, key, key_id, team, model, target, status, prompt_tokens, completion_tokens, estimated, cost, ttft_ms, duration_ms, route, cached, retries, error_code, error_message) VALUES ${rows.join(', ')}`,
        values,
      );
    }
  }
}
