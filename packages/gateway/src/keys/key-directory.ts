import { timingSafeEqual } from 'node:crypto';
import type { Caller } from '../auth/key-ring.ts';
import { AuthenticationError, type GatewayError } from '../errors/index.ts';
import { KeyExpiredError, KeyRevokedError } from '../errors/key-errors.ts';
import type { KeySnapshot, KeyStore } from './key-store.ts';
import { secretDigest } from './key-secret.ts';
import type { ManagedKey, Team } from './managed-key.ts';
import type { TeamConfig } from '../config/schema.ts';

/** How often a replica reads the store's version: a change elsewhere is seen within this plus one reload. */
export const VERSION_POLL_MS = 250;

interface Entry {
  digest: Buffer;
  caller: Caller;
  expiresAt: number | null;
  revoked: boolean;
}

/**
 * Every managed key, in memory by id, so authenticating one costs a map
 * lookup and a digest, never a database query. It reloads whenever the
 * store's version moves: when this replica changed something, when the
 * change bus says another did, and on a poll as the guarantee.
 */
export class KeyDirectory {
  readonly #store: KeyStore;
  readonly #configTeams: readonly Team[];
  readonly #onError: (error: unknown) => void;
  #entries = new Map<string, Entry>();
  #version = -1;
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<() => void>();

  /** `configTeams`: the config file's teams, which managed keys may join too (they win over a managed team of the same name). */
  constructor(store: KeyStore, configTeams: readonly TeamConfig[], onError: (error: unknown) => void) {
    this.#store = store;
    this.#configTeams = configTeams.map((team) => ({ name: team.name, limits: team.limits ?? null, createdAt: 0 }));
    this.#onError = onError;
  }

  /** Load the keys, then keep polling. */
  async start(pollMs = VERSION_POLL_MS): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh().catch(this.#onError), pollMs);
    this.#timer.unref();
  }

  /**
   * Reload if the store's version moved. A call made while a reload runs
   * waits for one that starts after it (the running one may have read the
   * version before the change the caller just made); calls share it.
   */
  refresh(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    if (this.#running === null) return this.#run();
    this.#queued = this.#running
      .catch(() => undefined)
      .then(() => {
        this.#queued = null;
        return this.#run();
      });
    return this.#queued;
  }

  /** The version of the keys this replica serves. */
  get version(): number {
    return this.#version;
  }

  /** How many managed keys exist, revoked ones included. */
  get size(): number {
    return this.#entries.size;
  }

  /** The caller for a managed key's id and secret; throws AuthenticationError for anything but a live key. */
  authenticate(id: string, secret: string): Caller {
    const entry = this.#entries.get(id);
    const given = Buffer.from(secretDigest(secret), 'hex');
    if (entry === undefined || !timingSafeEqual(entry.digest, given)) throw new AuthenticationError();
    if (entry.revoked) throw new AuthenticationError('This API key has been revoked.');
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) throw new AuthenticationError(`This API key expired at ${new Date(entry.expiresAt).toISOString()}.`);
    return entry.caller;
  }

  /**
   * Why a running stream of `id` must stop now: its key was revoked, or
   * has expired. Null for a live key, and for any id that is no managed
   * key (config keys are never revoked here).
   */
  standing(id: string, now = Date.now()): GatewayError | null {
    const entry = this.#entries.get(id);
    if (entry === undefined) return null;
    if (entry.revoked) return new KeyRevokedError();
    if (entry.expiresAt !== null && entry.expiresAt <= now) return new KeyExpiredError(entry.expiresAt);
    return null;
  }

  /** The soonest `expiresAt` still ahead among live keys, or null. */
  nextExpiry(now = Date.now()): number | null {
    let soonest: number | null = null;
    for (const entry of this.#entries.values()) {
      if (entry.revoked || entry.expiresAt === null || entry.expiresAt <= now) continue;
      if (soonest === null || entry.expiresAt < soonest) soonest = entry.expiresAt;
    }
    return soonest;
  }

  /** Hear about every reload that changed the keys (on this replica or, through the bus or the poll, another). Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }

  #run(): Promise<void> {
    this.#running = this.#reload().finally(() => (this.#running = null));
    return this.#running;
  }

  async #reload(): Promise<void> {
    if ((await this.#store.version()) === this.#version) return;
    this.#install(await this.#store.snapshot());
  }

  #install(snapshot: KeySnapshot): void {
    const teams = new Map([...snapshot.teams, ...this.#configTeams].map((team) => [team.name, team]));
    const entries = new Map<string, Entry>();
    for (const key of snapshot.keys) {
      entries.set(key.id, { digest: Buffer.from(key.digest, 'hex'), caller: callerOf(key, teams), expiresAt: key.expiresAt, revoked: key.revokedAt !== null });
    }
    this.#entries = entries;
    this.#version = snapshot.version;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

/** The Caller a managed key authenticates as: what limits and the model check read. */
export function callerOf(key: ManagedKey, teams: ReadonlyMap<string, Team>): Caller {
  const caller: Caller = { id: key.id, name: key.name };
  if (key.team !== null) {
    const limits = teams.get(key.team)?.limits;
    caller.team = limits == null ? { name: key.team } : { name: key.team, limits };
  }
  if (key.models !== null) caller.models = key.models;
  if (key.limits !== null) caller.limits = key.limits;
  return caller;
}
