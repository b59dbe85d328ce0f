import type { KeyChanges, ManagedKey, Team } from './managed-key.ts';

/** Everything the directory needs to serve keys: all of them, revoked included, and every team. */
export interface KeySnapshot {
  version: number;
  keys: ManagedKey[];
  teams: Team[];
}

/**
 * Where managed keys and teams live: the ledger's database (SQLite on one
 * replica, PostgreSQL for several). Every change bumps one version number
 * in the same transaction, so a replica learns of any change by reading
 * that number alone.
 */
export interface KeyStore {
  /** The current version: cheap, polled by every replica. */
  version(): Promise<number>;
  snapshot(): Promise<KeySnapshot>;
  getKey(id: string): Promise<ManagedKey | null>;
  insertKey(key: ManagedKey): Promise<void>;
  /** The key as changed, or null when there is no such key. */
  updateKey(id: string, changes: KeyChanges): Promise<ManagedKey | null>;
  /** Marks the key revoked at `at` (once: a second revoke keeps the first time); null when there is no such key. */
  revokeKey(id: string, at: number): Promise<ManagedKey | null>;
  getTeam(name: string): Promise<Team | null>;
  /** False when a team of that name exists already. */
  insertTeam(team: Team): Promise<boolean>;
  updateTeam(name: string, limits: Team['limits']): Promise<Team | null>;
  close(): Promise<void>;
}
