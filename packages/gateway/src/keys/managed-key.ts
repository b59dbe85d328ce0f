import type { KeyLimits } from '../limits/limit-spec.ts';

/**
 * A key made through the admin API, as its store keeps it. The secret is
 * never kept: only its SHA-256 digest. Times are milliseconds since the epoch.
 */
export interface ManagedKey {
  id: string;
  name: string;
  team: string | null;
  /** Model allow-list (aliases or `<provider>/<model>` patterns with `*`); null allows every model. */
  models: string[] | null;
  limits: KeyLimits | null;
  expiresAt: number | null;
  createdAt: number;
  revokedAt: number | null;
  /** SHA-256 of the secret, hex. */
  digest: string;
}

/** A team: a name that keys share, and the limits they share. */
export interface Team {
  name: string;
  limits: KeyLimits | null;
  createdAt: number;
}

/** What an update may change on a key; an absent field stays as it is, null clears it. */
export type KeyChanges = Partial<Pick<ManagedKey, 'name' | 'team' | 'models' | 'limits' | 'expiresAt'>>;
