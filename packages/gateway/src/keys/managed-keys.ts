import { InvalidRequestError, KeyNotFoundError, ReadOnlyTeamError, TeamExistsError, TeamNotFoundError } from '../errors/index.ts';
import type { TeamConfig } from '../config/schema.ts';
import type { KeyLimits } from '../limits/limit-spec.ts';
import type { KeyChangeBus } from './key-change-bus.ts';
import type { KeyDirectory } from './key-directory.ts';
import { newKeySecret, secretDigest } from './key-secret.ts';
import type { KeyStore } from './key-store.ts';
import type { KeyChanges, ManagedKey, Team } from './managed-key.ts';

export interface NewKey {
  name: string;
  team?: string;
  models?: string[];
  expiresAt?: number;
  limits?: KeyLimits;
}

/**
 * Managed keys and teams as the admin API changes them. After every change
 * this replica's directory reloads before the call returns (so the next
 * request here sees it), and the other replicas are told.
 */
export class ManagedKeys {
  readonly store: KeyStore;
  readonly directory: KeyDirectory;
  readonly #bus: KeyChangeBus | null;
  /** The config file's teams: keys may join them; the admin API cannot change them. */
  readonly #configTeams: ReadonlySet<string>;

  constructor(store: KeyStore, directory: KeyDirectory, bus: KeyChangeBus | null, configTeams: readonly TeamConfig[] = []) {
    this.store = store;
    this.directory = directory;
    this.#bus = bus;
    this.#configTeams = new Set(configTeams.map((team) => team.name));
  }

  /** The new key and its secret string, which is never stored and never shown again. */
  async create(input: NewKey): Promise<{ key: ManagedKey; secret: string }> {
    if (input.team !== undefined) await this.#teamMustExist(input.team);
    const { id, secret, key: secretString } = newKeySecret();
    const key: ManagedKey = {
      id,
      name: input.name,
      team: input.team ?? null,
      models: input.models ?? null,
      limits: input.limits ?? null,
      expiresAt: input.expiresAt ?? null,
      createdAt: Date.now(),
      revokedAt: null,
      digest: secretDigest(secret),
    };
    await this.store.insertKey(key);
    await this.#changed();
    return { key, secret: secretString };
  }

  async list(): Promise<ManagedKey[]> {
    return (await this.store.snapshot()).keys;
  }

  async get(id: string): Promise<ManagedKey> {
    const key = await this.store.getKey(id);
    if (key === null) throw new KeyNotFoundError(id);
    return key;
  }

  async update(id: string, changes: KeyChanges): Promise<ManagedKey> {
    if (typeof changes.team === 'string') await this.#teamMustExist(changes.team);
    const key = await this.store.updateKey(id, changes);
    if (key === null) throw new KeyNotFoundError(id);
    await this.#changed();
    return key;
  }

  async revoke(id: string): Promise<ManagedKey> {
    const key = await this.store.revokeKey(id, Date.now());
    if (key === null) throw new KeyNotFoundError(id);
    await this.#changed();
    return key;
  }

  async teams(): Promise<Team[]> {
    return (await this.store.snapshot()).teams;
  }

  async team(name: string): Promise<Team> {
    const team = await this.store.getTeam(name);
    if (team === null) throw new TeamNotFoundError(name);
    return team;
  }

  async createTeam(name: string, limits: KeyLimits | null): Promise<Team> {
    if (this.#configTeams.has(name)) throw new ReadOnlyTeamError(name);
    const team: Team = { name, limits, createdAt: Date.now() };
    if (!(await this.store.insertTeam(team))) throw new TeamExistsError(name);
    await this.#changed();
    return team;
  }

  async updateTeam(name: string, limits: KeyLimits | null): Promise<Team> {
    if (this.#configTeams.has(name)) throw new ReadOnlyTeamError(name);
    const team = await this.store.updateTeam(name, limits);
    if (team === null) throw new TeamNotFoundError(name);
    await this.#changed();
    return team;
  }

  async close(): Promise<void> {
    this.directory.close();
    await this.#bus?.close();
    await this.store.close();
  }

  async #teamMustExist(name: string): Promise<void> {
    if (this.#configTeams.has(name)) return;
    if ((await this.store.getTeam(name)) === null) throw new InvalidRequestError(`team: no team named "${name.slice(0, 100)}"; create it with POST /admin/teams first.`, 'team');
  }

  async #changed(): Promise<void> {
    await this.directory.refresh();
    this.#bus?.publish(this.directory.version);
  }
}
