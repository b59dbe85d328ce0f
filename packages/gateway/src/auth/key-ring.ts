import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayKeyConfig, TeamConfig } from '../config/schema.ts';
import { AuthenticationError } from '../errors/index.ts';
import type { KeyLimits } from '../limits/limit-spec.ts';
import type { KeyDirectory } from '../keys/key-directory.ts';
import { parseManagedKey } from '../keys/key-secret.ts';

/** Who is calling: a config key, a managed key, or `anonymous` on a keyless loopback gateway. */
export interface Caller {
  /**
   * Stable identity that limits and the ledger count by, and that owns its streams and stored
   * responses: `config:<name>` for config keys, the id of a managed key (names need not be unique).
   */
  id: string;
  /** The key's name: what logs and the ledger's `key` column show. */
  name: string;
  team?: { name: string; limits?: KeyLimits };
  /** Model allow-list: aliases or `<provider>/<model>` patterns with `*`; absent means every model. */
  models?: readonly string[];
  limits?: KeyLimits;
}

/** A config key's caller: its name, and the team, model allow-list and limits the config gives it. */
function configCaller(key: GatewayKeyConfig, teams: readonly TeamConfig[]): Caller {
  const caller: Caller = { id: `config:${key.name}`, name: key.name };
  if (key.team !== undefined) {
    const limits = teams.find((team) => team.name === key.team)?.limits;
    caller.team = limits === undefined ? { name: key.team } : { name: key.team, limits };
  }
  if (key.models !== undefined) caller.models = key.models;
  if (key.limits !== undefined) caller.limits = key.limits;
  return caller;
}

const ANONYMOUS: Caller = { id: 'anonymous', name: 'anonymous' };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The gateway's API keys: those of the config file and, with the admin
 * API, the managed ones (`sk-sluice-<id>-<secret>`, looked up by id in the
 * in-memory directory). Keys are compared as SHA-256 digests in constant
 * time, so neither the comparison nor a lookup leaks a prefix.
 */
export class KeyRing {
  readonly #keys: { digest: Buffer; caller: Caller }[];
  readonly #required: boolean;
  readonly #managed: KeyDirectory | undefined;

  /**
   * `required`: a key is needed even when none is configured (the admin API can mint them);
   * `managed`: the directory of managed keys; `teams`: the config's teams, which config keys name.
   */
  constructor(keys: readonly GatewayKeyConfig[], env: NodeJS.ProcessEnv = process.env, options: { required?: boolean; managed?: KeyDirectory; teams?: readonly TeamConfig[] } = {}) {
    this.#keys = keys.map((k) => ({ digest: digest('key' in k ? k.key : (env[k.keyEnv] ?? '')), caller: configCaller(k, options.teams ?? []) }));
    this.#required = options.required === true || options.managed !== undefined;
    this.#managed = options.managed;
  }

  /** With no keys configured and none required, the gateway is open (and only allowed on loopback). */
  get open(): boolean {
    return this.#keys.length === 0 && !this.#required;
  }

  /** The keys from the config file, as callers (they are read-only: the admin API lists them, never changes them). */
  configCallers(): Caller[] {
    return this.#keys.map((entry) => entry.caller);
  }

  /** The caller for an `Authorization` header value; throws AuthenticationError. */
  authenticate(authorization: string | undefined): Caller {
    if (this.open) return ANONYMOUS;
    const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match === null) throw new AuthenticationError();
    return this.authenticateKey(match[1]);
  }

  /** The caller for a bare key (the WebSocket `bearer.<key>` subprotocol carries one). */
  authenticateKey(key: string): Caller {
    if (this.open) return ANONYMOUS;
    const managed = this.#managed === undefined ? null : parseManagedKey(key);
    if (managed !== null) return this.#managed!.authenticate(managed.id, managed.secret);
    const given = digest(key);
    let found: Caller | undefined;
    // Compare against every key so timing does not tell which one matched.
    for (const entry of this.#keys) if (timingSafeEqual(entry.digest, given)) found = entry.caller;
    if (found === undefined) throw new AuthenticationError();
    return found;
  }
}
