import type { Caller } from '../auth/key-ring.ts';
import type { ManagedKey } from '../keys/managed-key.ts';
import type { KeyLimits } from '../limits/limit-spec.ts';

/** A key as the admin API shows it: never its secret, nor its digest. */
export interface KeyView {
  id: string;
  object: 'key';
  name: string;
  /** `config` keys come from the config file and are read-only; `managed` ones from the admin API. */
  source: 'config' | 'managed';
  status: 'active' | 'revoked' | 'expired';
  team: string | null;
  models: readonly string[] | null;
  limits: KeyLimits | null;
  expiresAt: string | null;
  createdAt: string | null;
  revokedAt: string | null;
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

export function managedKeyView(key: ManagedKey, now = Date.now()): KeyView {
  const status = key.revokedAt !== null ? 'revoked' : key.expiresAt !== null && key.expiresAt <= now ? 'expired' : 'active';
  return {
    id: key.id,
    object: 'key',
    name: key.name,
    source: 'managed',
    status,
    team: key.team,
    models: key.models,
    limits: key.limits,
    expiresAt: iso(key.expiresAt),
    createdAt: iso(key.createdAt),
    revokedAt: iso(key.revokedAt),
  };
}

export function configKeyView(caller: Caller): KeyView {
  return { id: caller.id, object: 'key', name: caller.name, source: 'config', status: 'active', team: caller.team?.name ?? null, models: caller.models ?? null, limits: caller.limits ?? null, expiresAt: null, createdAt: null, revokedAt: null };
}
