import pg from 'pg';
import type { KeySnapshot, KeyStore } from './key-store.ts';
import { changedColumns, KEY_COLUMNS, keyFromRow, keyValues, teamFromRow, type KeyRow, type TeamRow } from './key-rows.ts';
import type { KeyChanges, ManagedKey, Team } from './managed-key.ts';

/**
 * Managed keys in the shared ledger's PostgreSQL database, for several
 * replicas: tables named after the ledger's (`<table>_keys`, `<table>_teams`,
 * `<table>_keys_version`). Every write and its version bump are one
 * statement (a data-modifying CTE), so they commit together.
 */
export class PostgresKeyStore implements KeyStore {
  readonly #pool: pg.Pool;
  readonly #keys: string;
  readonly #teams: string;
  readonly #version: string;
  readonly #ready: Promise<void>;

  /** `table` is the ledger's table name, which names these tables too. */
  constructor(url: string, table: string, onError: (error: unknown) => void) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`ledger table name "${table}" must be a plain lower-case identifier`);
    this.#keys = `${table}_keys`;
    this.#teams = `${table}_teams`;
    this.#version = `${table}_keys_version`;
    this.#pool = new pg.Pool({ connectionString: url, max: 2 });
    this.#pool.on('error', onError);
    this.#ready = this.#createTables();
    this.#ready.catch(onError);
  }

  async version(): Promise<number> {
    await this.#ready;
    const { rows } = await this.#pool.query(`SELECT version FROM ${this.#version}`);
    return Number((rows[0] as { version: string }).version);
  }

  async snapshot(): Promise<KeySnapshot> {
    await this.#ready;
    // One statement sees one snapshot: the version matches the rows.
    const { rows } = await this.#pool.query(
      `SELECT (SELECT version FROM ${this.#version}) AS version,
        (SELECT COALESCE(json_agg(k ORDER BY k.created_at, k.id), '[]') FROM ${this.#keys} k) AS keys,
        (SELECT COALESCE(json_agg(t ORDER BY t.name), '[]') FROM ${this.#teams} t) AS teams`,
    );
    const row = rows[0] as { version: string; keys: KeyRow[]; teams: TeamRow[] };
    return { version: Number(row.version), keys: row.keys.map(keyFromRow), teams: row.teams.map(teamFromRow) };
  }

  async getKey(id: string): Promise<ManagedKey | null> {
    await this.#ready;
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#keys} WHERE id = $1`, [id]);
    return rows.length === 0 ? null : keyFromRow(rows[0] as KeyRow);
  }

  async insertKey(key: ManagedKey): Promise<void> {
    const placeholders = KEY_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    await this.#change(`INSERT INTO ${this.#keys} (${KEY_COLUMNS.join(', ')}) VALUES (${placeholders}) RETURNING 1`, keyValues(key));
  }

  async updateKey(id: string, changes: KeyChanges): Promise<ManagedKey | null> {
    const columns = changedColumns(changes);
    if (columns.length > 0) {
      const sets = columns.map(([column], i) => `${column} = $${i + 1}`).join(', ');
      await this.#change(`UPDATE ${this.#keys} SET ${sets} WHERE id = $${columns.length + 1} RETURNING 1`, [...columns.map(([, value]) => value), id]);
    }
    return this.getKey(id);
  }

  async revokeKey(id: string, at: number): Promise<ManagedKey | null> {
    await this.#change(`UPDATE ${this.#keys} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING 1`, [at, id]);
    return this.getKey(id);
  }

  async getTeam(name: string): Promise<Team | null> {
    await this.#ready;
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#teams} WHERE name = $1`, [name]);
    return rows.length === 0 ? null : teamFromRow(rows[0] as TeamRow);
  }

  async insertTeam(team: Team): Promise<boolean> {
    const limits = team.limits === null ? null : JSON.stringify(team.limits);
    return this.#change(`INSERT INTO ${this.#teams} (name, limits, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING 1`, [team.name, limits, team.createdAt]);
  }

  async updateTeam(name: string, limits: Team['limits']): Promise<Team | null> {
    await this.#change(`UPDATE ${this.#teams} SET limits = $1 WHERE name = $2 RETURNING 1`, [limits === null ? null : JSON.stringify(limits), name]);
    return this.getTeam(name);
  }

  async close(): Promise<void> {
    await this.#ready.catch(() => undefined);
    await this.#pool.end();
  }

  /** Run a write (a statement `RETURNING 1` per row changed) and bump the version when it changed a row; true if it did. */
  async #change(write: string, values: unknown[]): Promise<boolean> {
    await this.#ready;
    const { rows } = await this.#pool.query(
      `WITH changed AS (${write}), bumped AS (UPDATE ${this.#version} SET version = version + 1 WHERE EXISTS (SELECT 1 FROM changed) RETURNING 1)
       SELECT (SELECT COUNT(*) FROM changed) AS changed`,
      values,
    );
    return Number((rows[0] as { changed: string }).changed) > 0;
  }

  /** Replicas may start together: an advisory lock keeps their CREATE TABLEs from racing. */
  async #createTables(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.#keys]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.#keys} (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, team TEXT, models TEXT, limits TEXT,
          expires_at BIGINT, created_at BIGINT NOT NULL, revoked_at BIGINT, digest TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${this.#teams} (name TEXT PRIMARY KEY, limits TEXT, created_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS ${this.#version} (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
        INSERT INTO ${this.#version} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
