import { Redis } from 'ioredis';
import { budgetPeriod, type BudgetPeriod } from './budget-period.ts';
import type { AdmitRequest, AdmitResult, BudgetState, ExtendRequest, ExtendResult, LimitKind, LimitStore, LimitSubject, Refusal, SettleRequest, SubjectState } from './limit-store.ts';
import { waitsInLine } from './limit-store.ts';
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
  tickets: new RedisScript('tickets'),
};

interface LuaSubjectState extends Omit<SubjectState, 'id' | 'budget'> {
  budget?: Omit<BudgetState, 'resetsAt'> & { resetsAt: number };
}

interface LuaAdmitReply {
  admitted: boolean;
  refusal: false | { kind: LimitKind; index: number; retryAfterMs: number; ahead?: string };
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
  /** This replica's running leases, for the heartbeat: the subjects each is held in, and when its TTL was last set. */
  readonly #leases = new Map<string, { subjects: readonly string[]; renewedAt: number }>();
  readonly #heartbeat: NodeJS.Timeout;
  /** This replica's requests waiting in a queue: lease -> its line's tickets key. */
  readonly #tickets = new Map<string, string>();

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

  admit(request: AdmitRequest): Promise<AdmitResult> {
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [request.lease, this.#ttl, request.tokens, request.cost, request.line === undefined ? 0 : 1];
    for (const subject of request.subjects) {
      const period = subject.budget === undefined ? undefined : budgetPeriod(subject.budget, now);
      keys.push(...this.#keys(subject, period));
      args.push(subject.rpm ?? 0, subject.tpm ?? 0, subject.concurrency ?? 0, subject.budget?.usd ?? 0, subject.ledgerSpent ?? 0, period?.resetsAt ?? 0);
    }
    if (request.line !== undefined) keys.push(...this.#lineKeys(request.line));
    return scripts.admit.run(this.#redis, keys, args).then((reply) => this.#admitted(request, JSON.parse(reply) as LuaAdmitReply, now));
  }

  #admitted(request: AdmitRequest, reply: LuaAdmitReply, now: number): AdmitResult {
    const states = request.subjects.map((subject, i) => fromLua(subject.id, reply.states[i]));
    if (request.line !== undefined) {
      if (reply.refusal !== false && waitsInLine(reply.refusal.kind)) this.#tickets.set(request.lease, this.#lineKeys(request.line)[1]);
      else this.#tickets.delete(request.lease);
    }
    if (reply.refusal === false) {
      this.#leases.set(request.lease, { subjects: request.subjects.map((s) => s.id), renewedAt: now });
      return { admitted: true, states };
    }
    const { kind, index, retryAfterMs, ahead } = reply.refusal;
    const refusal: Refusal = { kind, subject: request.subjects[index].id, retryAfterMs: retryAfterMs < 0 ? null : retryAfterMs };
    if (ahead !== undefined) refusal.ahead = ahead;
    return { admitted: false, refusal, states };
  }

  async extend(lease: string, subjects: readonly LimitSubject[], request: ExtendRequest): Promise<ExtendResult> {
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [lease, this.#ttl, request.usdPerToken, request.tokens, request.minTokens];
    for (const subject of subjects) {
      if (subject.budget === undefined) continue;
      const period = budgetPeriod(subject.budget, now);
      const [, leases, spent] = this.#keys(subject, period);
      keys.push(leases, spent);
      args.push(subject.budget.usd, subject.ledgerSpent ?? 0, period.resetsAt ?? 0);
    }
    const result = JSON.parse(await scripts.extend.run(this.#background, keys, args)) as ExtendResult;
    // A grant renewed the lease's TTL, so the next heartbeat may skip it.
    const held = this.#leases.get(lease);
    if (result.tokens > 0 && held !== undefined) held.renewedAt = now;
    return result;
  }

  async settle(request: SettleRequest): Promise<void> {
    this.#leases.delete(request.lease);
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [request.lease, request.reservedTokens, request.usedTokens, request.cost];
    for (const subject of request.subjects) {
      const period = subject.budget === undefined ? undefined : budgetPeriod(subject.budget, now);
      keys.push(...this.#keys(subject, period));
      args.push(subject.rpm ?? 0, subject.tpm ?? 0, subject.budget?.usd ?? 0, subject.ledgerSpent ?? 0, period?.resetsAt ?? 0);
    }
    await scripts.settle.run(this.#background, keys, args);
  }

  async leave(line: string, lease: string): Promise<void> {
    this.#tickets.delete(lease);
    const [queue, tickets] = this.#lineKeys(line);
    await this.#background.multi().zrem(queue, lease).zrem(tickets, lease).exec();
  }

  async usage(subject: LimitSubject): Promise<SubjectState> {
    const now = Date.now();
    const period = subject.budget === undefined ? undefined : budgetPeriod(subject.budget, now);
    const args = [subject.rpm ?? 0, subject.tpm ?? 0, subject.concurrency ?? 0, subject.budget?.usd ?? 0, subject.ledgerSpent ?? 0, period?.resetsAt ?? 0];
    return fromLua(subject.id, JSON.parse(await scripts.usage.run(this.#redis, this.#keys(subject, period), args)) as LuaSubjectState);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await Promise.all([this.#redis, this.#background].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  /** A subject's three keys (lua/common.lua): its rpm and tpm buckets, its leases, its period's spend. */
  #keys(subject: LimitSubject, period: BudgetPeriod | undefined): [string, string, string] {
    const base = `${this.#options.keyPrefix}${subject.id}:`;
    return [`${base}buckets`, `${base}leases`, `${base}spent:${period?.key ?? 'none'}`];
  }

  /** A queue's three keys: its line (lease -> arrival number), its tickets (lease -> expiry), its arrival counter. */
  #lineKeys(line: string): [string, string, string] {
    const base = `${this.#options.keyPrefix}${line}:`;
    return [`${base}line`, `${base}tickets`, `${base}arrivals`];
  }

  /**
   * Every lease whose TTL was set more than half a heartbeat ago lives on
   * for another TTL. A younger one still has over two heartbeats to live
   * and is renewed by the next tick, so a stream shorter than a heartbeat
   * (most of them) costs no renewal at all.
   */
  #renew(): void {
    this.#renewTickets();
    const now = Date.now();
    const keys: string[] = [];
    const args: (string | number)[] = [this.#ttl];
    for (const [lease, held] of this.#leases) {
      if (now - held.renewedAt < this.#options.heartbeatMs / 2) continue;
      held.renewedAt = now;
      for (const id of held.subjects) {
        keys.push(`${this.#options.keyPrefix}${id}:leases`);
        args.push(lease);
      }
    }
    if (keys.length === 0) return;
    scripts.renew.run(this.#background, keys, args).catch(this.#options.onError);
  }

  /** The tickets of this replica's waiting requests live on, so a line is held only by waiters whose replica is alive. */
  #renewTickets(): void {
    if (this.#tickets.size === 0) return;
    scripts.tickets.run(this.#background, [...this.#tickets.values()], [this.#ttl, ...this.#tickets.keys()]).catch(this.#options.onError);
  }
}

function fromLua(id: string, state: LuaSubjectState): SubjectState {
  const { budget, ...rest } = state;
  return budget === undefined ? { id, ...rest } : { id, ...rest, budget: { ...budget, resetsAt: budget.resetsAt === 0 ? null : budget.resetsAt } };
}
