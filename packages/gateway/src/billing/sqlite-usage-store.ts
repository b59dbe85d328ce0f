import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { BatchedWriter } from './batched-writer.ts';
import { LEDGER_FLUSH_MS, type UsageRecord, type UsageStore, type UsageTotals } from './usage-store.ts';

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
        cached INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS usage_key_at ON usage (key, at);
    `);
    // A ledger written before requests recorded their endpoint gains the column; its rows were chat completions.
    const columns = this.#db.prepare('PRAGMA table_info(usage)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'endpoint')) this.#db.exec("ALTER TABLE usage ADD COLUMN endpoint TEXT NOT NULL DEFAULT 'chat'");
    // Likewise the routing columns, for a ledger written before routing recorded its decisions.
    if (!columns.some((column) => column.name === 'route')) this.#db.exec('ALTER TABLE usage ADD COLUMN route TEXT');
    if (!columns.some((column) => column.name === 'cached')) this.#db.exec('ALTER TABLE usage ADD COLUMN cached INTEGER NOT NULL DEFAULT 0');
    this.#insert = this.#db.prepare(
      'INSERT INTO usage (at, stream_id, endpoint, key, model, target, status, prompt_tokens, completion_tokens, estimated, cost, ttft_ms, duration_ms, route, cached) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#writer = new BatchedWriter(LEDGER_FLUSH_MS, (batch) => {
      try {
        this.#insertAll(batch);
      } catch (error) {
        onError(error);
      }
    });
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

  async close(): Promise<void> {
    await this.#writer.flush();
    this.#db.close();
  }

  #insertAll(batch: UsageRecord[]): void {
    this.#db.exec('BEGIN');
    try {
      for (const r of batch) {
        this.#insert.run(r.at, r.streamId, r.endpoint, r.key, r.model, r.target, r.status, r.promptTokens, r.completionTokens, r.estimated ? 1 : 0, r.cost, r.ttftMs, r.durationMs, r.route, r.cached ? 1 : 0);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
