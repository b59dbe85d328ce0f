import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { BatchedWriter } from './batched-writer.ts';
import { LEDGER_FLUSH_MS, type UsageRecord, type UsageStore, type UsageTotals } from './usage-store.ts';
import { usageFilter, usageGroupOf, type UsageGroup, type UsageGrouping, type UsageQuery } from './usage-query.ts';
import { LEGACY_KEY_IDS } from './legacy-key-ids.ts';
import { recordOf, SELECT_COLUMNS, spendOf, spendQuery, trafficOf, trafficQueries, whereClause, type LedgerFilter, type SpendRow, type TrafficSeries } from './ledger-query.ts';

const GROUP_EXPRESSIONS: Record<UsageGrouping, string> = {
  key: 'key_id',
  team: "COALESCE(team, '')",
  model: 'model',
  day: "strftime('%Y-%m-%d', at / 1000, 'unixepoch')",
};

/**
 * The embedded ledger: SQLite in WAL mode, for one replica. Records settled
 * within 50 ms of each other share one transaction; a crash can lose at most
 * that last moment of records.
 */
export class SqliteUsageStore implements UsageStore {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #writer: BatchedWriter<UsageRecord>;

  /** `onError` hears about a failed write (a full disk, say); the request path never does. */
  constructor(path: string, onError: (error: unknown) => void) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS usage (
        at INTEGER NOT NULL,
        stream_id TEXT NOT NULL,
        endpoint TEXT NOT NULL DEFAULT 'chat',
        key TEXT NOT NULL,
        key_id TEXT,
        team TEXT,
        model TEXT NOT NULL,
        target TEXT,
        status TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        cost REAL NOT NULL,
        ttft_ms INTEGER,
        duration_ms INTEGER NOT NULL,
        route TEXT,
        cached INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error_message TEXT
      );
      CREATE INDEX IF NOT EXISTS usage_key_at ON usage (key, at);
    `);
    // A ledger written before requests recorded their endpoint gains the column; its rows were chat completions.
    const columns = this.#db.prepare('PRAGMA table_info(usage)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'endpoint')) this.#db.exec("ALTER TABLE usage ADD COLUMN endpoint TEXT NOT NULL DEFAULT 'chat'");
    // Likewise the routing columns, for a ledger written before routing recorded its decisions.
    if (!columns.some((column) => column.name === 'route')) this.#db.exec('ALTER TABLE usage ADD COLUMN route TEXT');
    if (!columns.some((column) => column.name === 'cached')) this.#db.exec('ALTER TABLE usage ADD COLUMN cached INTEGER NOT NULL DEFAULT 0');
    // One written before usage was counted by caller id gains it; its keys were all config keys (or anonymous).
    if (!columns.some((column) => column.name === 'key_id')) this.#db.exec(`ALTER TABLE usage ADD COLUMN key_id TEXT; ${LEGACY_KEY_IDS.replace('$TABLE', 'usage')}`);
    // And the columns the request log shows (rows from before have no retries or error recorded).
    if (!columns.some((column) => column.name === 'retries')) {
      this.#db.exec('ALTER TABLE usage ADD COLUMN retries INTEGER NOT NULL DEFAULT 0; ALTER TABLE usage ADD COLUMN error_code TEXT; ALTER TABLE usage ADD COLUMN error_message TEXT');
    }
    // And the team column, for a ledger written before teams were recorded (those rows count for no team).
    if (!columns.some((column) => column.name === 'team')) this.#db.exec('ALTER TABLE usage ADD COLUMN team TEXT');
    this.#db.exec('CREATE INDEX IF NOT EXISTS usage_team_at ON usage (team, at); CREATE INDEX IF NOT EXISTS usage_key_id_at ON usage (key_id, at); CREATE INDEX IF NOT EXISTS usage_at ON usage (at);');
    this.#insert = this.#db.prepare(
      'INSERT INTO usage (at, stream_id, endpoint, key, key_id, team, model, target, status, prompt_tokens, completion_tokens, estimated, cost, ttft_ms, duration_ms, route, cached, retries, error_code, error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#writer = new BatchedWriter(LEDGER_FLUSH_MS, (batch) => {
      try {
        this.#insertAll(batch);
      } catch (error) {
        onError(error);
      }
    });
  }

  /** The ledger's database, which managed keys share (they live in their own tables; this store closes it). */
  get database(): DatabaseSync {
    return this.#db;
  }

  record(record: UsageRecord): void {
    this.#writer.add(record);
  }

  async totals(key?: string): Promise<UsageTotals> {
    await this.#writer.flush();
    const sql = 'SELECT COUNT(*) AS requests, COALESCE(SUM(prompt_tokens), 0) AS promptTokens, COALESCE(SUM(completion_tokens), 0) AS completionTokens, COALESCE(SUM(cost), 0) AS cost FROM usage';
    const row = (key === undefined ? this.#db.prepare(sql).get() : this.#db.prepare(`${sql} WHERE key = ?`).get(key)) as unknown as UsageTotals;
    return { requests: Number(row.requests), promptTokens: Number(row.promptTokens), completionTokens: Number(row.completionTokens), cost: Number(row.cost) };
  }

  async aggregate(query: UsageQuery): Promise<UsageGroup[]> {
    await this.#writer.flush();
    const { where, values } = usageFilter(query, () => '?');
    // SQLite has no percentile aggregate: number each group's first-token times and take the middle one.
    const sql = `WITH picked AS (SELECT ${GROUP_EXPRESSIONS[query.groupBy]} AS grp, status, prompt_tokens, completion_tokens, cost, ttft_ms FROM usage ${where}),
      ranked AS (SELECT grp, ttft_ms, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY ttft_ms) AS rn, COUNT(*) OVER (PARTITION BY grp) AS n FROM picked WHERE ttft_ms IS NOT NULL)
      SELECT p.grp, SUM(p.status <> 'hedge_lost') AS requests, SUM(p.status = 'error') AS errors, SUM(p.prompt_tokens) AS prompt_tokens, SUM(p.completion_tokens) AS completion_tokens, SUM(p.cost) AS cost,
        (SELECT r.ttft_ms FROM ranked r WHERE r.grp = p.grp AND r.rn = (r.n + 1) / 2) AS p50
      FROM picked p GROUP BY p.grp ORDER BY p.grp`;
    return (this.#db.prepare(sql).all(...values) as Record<string, unknown>[]).map(usageGroupOf);
  }

  async spent(keyId: string, since: number): Promise<number> {
    await this.#writer.flush();
    const row = this.#db.prepare('SELECT COALESCE(SUM(cost), 0) AS cost FROM usage WHERE key_id = ? AND at >= ?').get(keyId, since) as { cost: number };
    return Number(row.cost);
  }

  async teamSpent(team: string, since: number): Promise<number> {
    await this.#writer.flush();
    const row = this.#db.prepare('SELECT COALESCE(SUM(cost), 0) AS cost FROM usage WHERE team = ? AND at >= ?').get(team, since) as { cost: number };
    return Number(row.cost);
  }

  async query(filter: LedgerFilter): Promise<UsageRecord[]> {
    await this.#writer.flush();
    const where = whereClause(filter, () => '?');
    const rows = this.#db.prepare(`SELECT ${SELECT_COLUMNS} FROM usage ${where.sql} ORDER BY at DESC, stream_id DESC LIMIT ?`).all(...(where.params as never[]), filter.limit);
    return rows.map((row) => recordOf(row as Record<string, unknown>));
  }

  async traffic(from: number, to: number, bucketMs: number): Promise<TrafficSeries> {
    await this.#writer.flush();
    const results = trafficQueries('usage', from, to, bucketMs, () => '?').map(({ sql, params }) => this.#db.prepare(sql).all(...(params as never[])) as Record<string, unknown>[]);
    return trafficOf(bucketMs, results);
  }

  async spend(dayStart: number, monthStart: number): Promise<SpendRow[]> {
    await this.#writer.flush();
    const { sql, params } = spendQuery('usage', dayStart, monthStart, () => '?');
    return spendOf(this.#db.prepare(sql).all(...(params as never[])) as Record<string, unknown>[]);
  }

  async close(): Promise<void> {
    await this.#writer.flush();
    this.#db.close();
  }

  #insertAll(batch: UsageRecord[]): void {
    this.#db.exec('BEGIN');
    try {
      for (const r of batch) {
        this.#insert.run(r.at, r.streamId, r.endpoint, r.key, r.keyId, r.team ?? null, r.model, r.target, r.status, r.promptTokens, r.completionTokens, r.estimated ? 1 : 0, r.cost, r.ttftMs, r.durationMs, r.route, r.cached ? 1 : 0, r.retries ?? 0, r.errorCode ?? null, r.errorMessage ?? null);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
