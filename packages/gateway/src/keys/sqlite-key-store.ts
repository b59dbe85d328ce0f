import type { DatabaseSync } from 'node:sqlite';
import type { KeySnapshot, KeyStore } from './key-store.ts';
import { changedColumns, KEY_COLUMNS, keyFromRow, keyValues, teamFromRow, type KeyRow, type TeamRow } from './key-rows.ts';
import type { KeyChanges, ManagedKey, Team } from './managed-key.ts';

/**
 * Managed keys in the embedded ledger's SQLite database (its own tables
 * next to `usage`). node:sqlite is synchronous, so each change and its
 * version bump run in one transaction without anything interleaving.
 */
export class SqliteKeyStore implements KeyStore {
  readonly #db: DatabaseSync;
  readonly #ownsDatabase: boolean;

  /** `ownsDatabase`: close the database with the store (it is usually the ledger's, which closes it). */
  constructor(db: DatabaseSync, options: { ownsDatabase?: boolean } = {}) {
    this.#db = db;
    this.#ownsDatabase = options.ownsDatabase === true;
    db.exec(`
      CREATE TABLE IF NOT EXISTS managed_keys (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, team TEXT, models TEXT, limits TEXT,
        expires_at INTEGER, created_at INTEGER NOT NULL, revoked_at INTEGER, digest TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS managed_teams (name TEXT PRIMARY KEY, limits TEXT, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS managed_keys_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
      INSERT OR IGNORE INTO managed_keys_version (id, version) VALUES (1, 0);
    `);
  }

  async version(): Promise<number> {
    return this.#version();
  }

  async snapshot(): Promise<KeySnapshot> {
    // One read transaction, so the version matches the rows; synchronous, so no other write on this handle interleaves.
    this.#db.exec('BEGIN');
    try {
      const version = this.#version();
      const keys = (this.#db.prepare('SELECT * FROM managed_keys ORDER BY created_at, id').all() as unknown as KeyRow[]).map(keyFromRow);
      const teams = (this.#db.prepare('SELECT * FROM managed_teams ORDER BY name').all() as unknown as TeamRow[]).map(teamFromRow);
      return { version, keys, teams };
    } finally {
      this.#db.exec('COMMIT');
    }
  }

  async getKey(id: string): Promise<ManagedKey | null> {
    const row = this.#db.prepare('SELECT * FROM managed_keys WHERE id = ?').get(id) as unknown as KeyRow | undefined;
    return row === undefined ? null : keyFromRow(row);
  }

  async insertKey(key: ManagedKey): Promise<void> {
    this.#change(() => {
      this.#db.prepare(`INSERT INTO managed_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map(() => '?').join(', ')})`).run(...keyValues(key));
      return true;
    });
  }

  async updateKey(id: string, changes: KeyChanges): Promise<ManagedKey | null> {
    const columns = changedColumns(changes);
    if (columns.length > 0) {
      const sql = `UPDATE managed_keys SET ${columns.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`;
      this.#change(() => this.#db.prepare(sql).run(...columns.map(([, value]) => value), id).changes > 0);
    }
    return this.getKey(id);
  }

  async revokeKey(id: string, at: number): Promise<ManagedKey | null> {
    this.#change(() => this.#db.prepare('UPDATE managed_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0);
    return this.getKey(id);
  }

  async getTeam(name: string): Promise<Team | null> {
    const row = this.#db.prepare('SELECT * FROM managed_teams WHERE name = ?').get(name) as unknown as TeamRow | undefined;
    return row === undefined ? null : teamFromRow(row);
  }

  async insertTeam(team: Team): Promise<boolean> {
    return this.#change(
      () => this.#db.prepare('INSERT OR IGNORE INTO managed_teams (name, limits, created_at) VALUES (?, ?, ?)').run(team.name, team.limits === null ? null : JSON.stringify(team.limits), team.createdAt).changes > 0,
    );
  }

  async updateTeam(name: string, limits: Team['limits']): Promise<Team | null> {
    this.#change(() => this.#db.prepare('UPDATE managed_teams SET limits = ? WHERE name = ?').run(limits === null ? null : JSON.stringify(limits), name).changes > 0);
    return this.getTeam(name);
  }

  async close(): Promise<void> {
    if (this.#ownsDatabase) this.#db.close();
  }

  #version(): number {
    return Number((this.#db.prepare('SELECT version FROM managed_keys_version').get() as { version: number }).version);
  }

  /** Run a write; when it changed something, bump the version in the same transaction. */
  #change(write: () => boolean): boolean {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const changed = write();
      if (changed) this.#db.exec('UPDATE managed_keys_version SET version = version + 1');
      this.#db.exec('COMMIT');
      return changed;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
