import { Redis } from 'ioredis';
import { budgetPeriod } from './budget-period.ts';
import type { AdmitRequest, AdmitResult, BudgetState, ExtendResult, LimitKind, LimitStore, LimitSubject, SettleRequest, SubjectState } from './limit-store.ts';
import { RedisScript } from './redis-scripts.ts';

export interface RedisLimitStoreOptions {
  url: string;
  /** Every key this store writes starts with it (`<redis.keyPrefix>limits:`). */
  keyPrefix: string;
  /** How often this replica renews its leases; a lease lives three of these unrenewed. */
  heartbeatMs: number;
  /** A command Redis has not answered in this long fails (and the fail mode decides). */
  commandTimeoutMs: number;
  onError(error: unknown): void;
}

const scripts = {
  admit: new RedisScript('admit'),
  extend: new RedisScript('extend'),
  settle: new RedisScript('settle'),
  renew: new RedisScript('renew'),
  usage: new RedisScript('usage'),
};

interface LuaSubjectState extends Omit<SubjectState, 'id' | 'budget'> {
  budget?: Omit<BudgetState, 'resetsAt'> & { resetsAt: number };
}

interface LuaAdmitReply {
  admitted: boolean;
  refusal: false | { kind: LimitKind; index: number; retryAfterMs: number };
  states: LuaSubjectState[];
}

/**
 * Limit state in Redis, shared by every replica, so a limit is exact however
 * many there are. Admission, extension and settlement are one Lua script
 * call each (atomic, one round trip, on Redis's clock). Leases carry a TTL
 * that this replica's heartbeat renews: the leases of a replica that dies
 * expire, with their reservations, within three heartbeats.
 */
export class RedisLimitStore implements LimitStore {
  /** Admissions have a connection of their own, so none waits behind a settlement or a renewal in flight. */
  readonly #redis: Redis;
  readonly #background: Redis;
  readonly #options: RedisLimitStoreOptions;
  /** This replica's running leases and the subjects each is held in, for the heartbeat. */
  readonly #leases = new Map<string, readonly string[]>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: RedisLimitStoreOptions) {
    this.#options = options;
    const connect = () => new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs }).on('error', options.onError);
    this.#redis = connect();
    this.#background = connect();
    this.#heartbeat = setInterval(() => this.#renew(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  get #ttl(): number {
    return this.#options.heartbeatMs * 3;
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [request.lease, this.#ttl, request.tokens, request.cost];
    for (const subject of request.subjects) {
      keys.push(...this.#keys(subject, now));
      const period = subject.budget === undefined ? undefined : budgetPeriod(subject.budget, now);
      args.push(subject.rpm ?? 0, subject.tpm ?? 0, subject.concurrency ?? 0, subject.budget?.usd ?? 0, subject.ledgerSpent ?? 0, period?.resetsAt ?? 0);
    }
    const reply = JSON.parse(await scripts.admit.run(this.#redis, keys, args)) as LuaAdmitReply;
    const states = request.subjects.map((subject, i) => fromLua(subject.id, reply.states[i]));
    if (reply.refusal === false) {
      this.#leases.set(request.lease, request.subjects.map((s) => s.id));
      return { admitted: true, states };
    }
    const { kind, index, retryAfterMs } = reply.refusal;
    return { admitted: false, refusal: { kind, subject: request.subjects[index].id, retryAfterMs: retryAfterMs < 0 ? null : retryAfterMs }, states };
  }

  async extend(lease: string, subjects: readonly LimitSubject[], cost: number): Promise<ExtendResult> {
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [lease, this.#ttl, cost];
    for (const subject of subjects) {
      if (subject.budget === undefined) continue;
      const [, , running, held, spent] = this.#keys(subject, now);
      keys.push(running, held, spent);
      args.push(subject.budget.usd, subject.ledgerSpent ?? 0, budgetPeriod(subject.budget, now).resetsAt ?? 0);
    }
    return JSON.parse(await scripts.extend.run(this.#background, keys, args)) as ExtendResult;
  }

  async settle(request: SettleRequest): Promise<void> {
    this.#leases.delete(request.lease);
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [request.lease, request.reservedTokens, request.usedTokens, request.cost];
    for (const subject of request.subjects) {
      keys.push(...this.#keys(subject, now));
      const period = subject.budget === undefined ? undefined : budgetPeriod(subject.budget, now);
      args.push(subject.tpm ?? 0, subject.budget?.usd ?? 0, subject.ledgerSpent ?? 0, period?.resetsAt ?? 0);
    }
    await scripts.settle.run(this.#background, keys, args);
  }

  async usage(subject: LimitSubject): Promise<SubjectState> {
    const now = Date.now();
    const period = subject.budget === undefined ? undefined : budgetPeriod(subject.budget, now);
    const args = [subject.rpm ?? 0, subject.tpm ?? 0, subject.concurrency ?? 0, subject.budget?.usd ?? 0, subject.ledgerSpent ?? 0, period?.resetsAt ?? 0];
    return fromLua(subject.id, JSON.parse(await scripts.usage.run(this.#redis, this.#keys(subject, now), args)) as LuaSubjectState);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await Promise.all([this.#redis, this.#background].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  /** A subject's five keys: rpm bucket, tpm bucket, running leases, held reservations, the period's spend. */
  #keys(subject: LimitSubject, now: number): [string, string, string, string, string] {
    const base = `${this.#options.keyPrefix}${subject.id}:`;
    const period = subject.budget === undefined ? 'none' : budgetPeriod(subject.budget, now).key;
    return [`${base}rpm`, `${base}tpm`, `${base}running`, `${base}held`, `${base}spent:${period}`];
  }

  #renew(): void {
    if (this.#leases.size === 0) return;
    const keys: string[] = [];
    const args: (string | number)[] = [this.#ttl];
    for (const [lease, subjects] of this.#leases) {
      for (const id of subjects) {
        const base = `${this.#options.keyPrefix}${id}:`;
        keys.push(`${base}running`, `${base}held`);
        args.push(lease);
      }
    }
    scripts.renew.run(this.#background, keys, args).catch(this.#options.onError);
  }
}

function fromLua(id: string, state: LuaSubjectState): SubjectState {
  const { budget, ...rest } = state;
  return budget === undefined ? { id, ...rest } : { id, ...rest, budget: { ...budget, resetsAt: budget.resetsAt === 0 ? null : budget.resetsAt } };
}
