import type { KeyChanges, ManagedKey, Team } from './managed-key.ts';

/**
 * How keys and teams are laid out in SQL, the same on SQLite and
 * PostgreSQL: lists and limits as JSON text, times as milliseconds.
 */
export interface KeyRow {
  id: string;
  name: string;
  team: string | null;
  models: string | null;
  limits: string | null;
  expires_at: number | string | null;
  created_at: number | string;
  revoked_at: number | string | null;
  digest: string;
}

export interface TeamRow {
  name: string;
  limits: string | null;
  created_at: number | string;
}

/** The columns of a key, in the order `keyValues` gives them. */
export const KEY_COLUMNS = ['id', 'name', 'team', 'models', 'limits', 'expires_at', 'created_at', 'revoked_at', 'digest'] as const;

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
/** PostgreSQL hands BIGINTs back as strings. */
const time = (value: number | string | null) => (value === null ? null : Number(value));

export function keyValues(key: ManagedKey): (string | number | null)[] {
  return [key.id, key.name, key.team, json(key.models), json(key.limits), key.expiresAt, key.createdAt, key.revokedAt, key.digest];
}

export function keyFromRow(row: KeyRow): ManagedKey {
  return {
    id: row.id,
    name: row.name,
    team: row.team,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    limits: row.limits === null ? null : (JSON.parse(row.limits) as ManagedKey['limits']),
    expiresAt: time(row.expires_at),
    createdAt: Number(row.created_at),
    revokedAt: time(row.revoked_at),
    digest: row.digest,
  };
}

export function teamFromRow(row: TeamRow): Team {
  return { name: row.name, limits: row.limits === null ? null : (JSON.parse(row.limits) as Team['limits']), createdAt: Number(row.created_at) };
}

/** The columns an update sets, with their values, for the fields it names. */
export function changedColumns(changes: KeyChanges): [string, string | number | null][] {
  const columns: [string, string | number | null][] = [];
  if (changes.name !== undefined) columns.push(['name', changes.name]);
  if (changes.team !== undefined) columns.push(['team', changes.team]);
  if (changes.models !== undefined) columns.push(['models', json(changes.models)]);
  if (changes.limits !== undefined) columns.push(['limits', json(changes.limits)]);
  if (changes.expiresAt !== undefined) columns.push(['expires_at', changes.expiresAt]);
  return columns;
}
