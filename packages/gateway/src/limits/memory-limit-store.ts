import { budgetPeriod } from './budget-period.ts';
import type { AdmitRequest, AdmitResult, BudgetState, ExtendRequest, ExtendResult, LimitStore, LimitSubject, Refusal, SettleRequest, SubjectState } from './limit-store.ts';
import { tokensGranted, USD_EPSILON, waitsInLine } from './limit-store.ts';
import { msUntil, refilled, type BucketLevel } from './token-bucket.ts';

interface SubjectCounters {
  requests?: BucketLevel;
  tokens?: BucketLevel;
  /** Running leases and what each holds against the budget. */
  leases: Map<string, number>;
  /** Settled spend by budget period key. */
  spent: Map<string, number>;
}

/**
 * Limit state in this process: exact for one replica (the embedded
 * default). Leases cannot outlive the process, so they need no expiry.
 */
export class MemoryLimitStore implements LimitStore {
  readonly #subjects = new Map<string, SubjectCounters>();
  /** Each queue's waiting leases, in arrival order. */
  readonly #lines = new Map<string, string[]>();

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const now = Date.now();
    let refusal: Refusal | undefined;
    for (const subject of request.subjects) {
      refusal ??= this.#check(subject, request, now);
      if (refusal !== undefined) break;
    }
    if (request.line !== undefined) refusal = this.#queue(request.line, request.lease, request.subjects[0].id, refusal);
    if (refusal !== undefined) return { admitted: false, refusal, states: request.subjects.map((s) => this.#state(s, now)) };
    for (const subject of request.subjects) {
      const counters = this.#counters(subject.id);
      if (subject.rpm !== undefined) counters.requests = { tokens: refilled(counters.requests, subject.rpm, now) - 1, at: now };
      if (subject.tpm !== undefined) counters.tokens = { tokens: refilled(counters.tokens, subject.tpm, now) - request.tokens, at: now };
      counters.leases.set(request.lease, subject.budget === undefined ? 0 : request.cost);
    }
    return { admitted: true, states: request.subjects.map((s) => this.#state(s, now)) };
  }

  async extend(lease: string, subjects: readonly LimitSubject[], request: ExtendRequest): Promise<ExtendResult> {
    const now = Date.now();
    const budgets = subjects.filter((s) => s.budget !== undefined);
    const left = Math.min(...budgets.map((s) => this.#budget(s, now)!.remaining));
    const tokens = tokensGranted(left, request);
    const cost = tokens * request.usdPerToken;
    if (tokens > 0) for (const s of budgets) this.#counters(s.id).leases.set(lease, (this.#counters(s.id).leases.get(lease) ?? 0) + cost);
    return { tokens, budgetRemaining: Math.max(0, left - cost) };
  }

  async settle(request: SettleRequest): Promise<void> {
    const now = Date.now();
    for (const subject of request.subjects) {
      const counters = this.#counters(subject.id);
      if (subject.tpm !== undefined && counters.tokens !== undefined) {
        const level = refilled(counters.tokens, subject.tpm, now) + request.reservedTokens - request.usedTokens;
        counters.tokens = { tokens: Math.min(subject.tpm, level), at: now };
      }
      counters.leases.delete(request.lease);
      if (subject.budget !== undefined) {
        const period = budgetPeriod(subject.budget, now).key;
        counters.spent.set(period, this.#spent(subject, counters, period) + request.cost);
      }
    }
  }

  correct(lease: string, subjects: readonly LimitSubject[], give: { tokens: number; usd: number }): void {
    const now = Date.now();
    for (const subject of subjects) {
      const counters = this.#counters(subject.id);
      // A lease it does not hold (refused, or settled) took nothing to give back.
      if (!counters.leases.has(lease)) continue;
      if (subject.tpm !== undefined && counters.tokens !== undefined) counters.tokens = { tokens: Math.min(subject.tpm, refilled(counters.tokens, subject.tpm, now) + give.tokens), at: now };
      if (subject.budget !== undefined) counters.leases.set(lease, Math.max(0, counters.leases.get(lease)! - give.usd));
    }
  }

  async leave(line: string, lease: string): Promise<void> {
    this.#drop(line, lease);
  }

  /** First come, first served in `line`: the refusal `lease` gets (a wait behind an earlier one), and its place kept or given up. */
  #queue(name: string, lease: string, subject: string, refusal: Refusal | undefined): Refusal | undefined {
    const line = this.#lines.get(name);
    if (refusal === undefined && line !== undefined && line[0] !== lease) refusal = { kind: 'queue', subject, retryAfterMs: null, ahead: line[0] };
    if (refusal === undefined || !waitsInLine(refusal.kind)) this.#drop(name, lease);
    else if (line === undefined) this.#lines.set(name, [lease]);
    else if (!line.includes(lease)) line.push(lease);
    return refusal;
  }

  #drop(name: string, lease: string): void {
    const line = this.#lines.get(name);
    const at = line?.indexOf(lease) ?? -1;
    if (line === undefined || at === -1) return;
    line.splice(at, 1);
    if (line.length === 0) this.#lines.delete(name);
  }

  async usage(subject: LimitSubject): Promise<SubjectState> {
    return this.#state(subject, Date.now());
  }

  async close(): Promise<void> {}

  #check(subject: LimitSubject, request: AdmitRequest, now: number): Refusal | undefined {
    const counters = this.#counters(subject.id);
    if (subject.rpm !== undefined) {
      const tokens = refilled(counters.requests, subject.rpm, now);
      if (tokens < 1) return { kind: 'rpm', subject: subject.id, retryAfterMs: msUntil(tokens, 1, subject.rpm) };
    }
    if (subject.tpm !== undefined) {
      const tokens = refilled(counters.tokens, subject.tpm, now);
      if (request.tokens > subject.tpm) return { kind: 'tpm', subject: subject.id, retryAfterMs: null };
      if (tokens < request.tokens) return { kind: 'tpm', subject: subject.id, retryAfterMs: msUntil(tokens, request.tokens, subject.tpm) };
    }
    if (subject.concurrency !== undefined && counters.leases.size >= subject.concurrency) return { kind: 'concurrency', subject: subject.id, retryAfterMs: null };
    if (subject.budget !== undefined && this.#budget(subject, now)!.remaining + USD_EPSILON < request.cost) return { kind: 'budget', subject: subject.id, retryAfterMs: null };
    return undefined;
  }

  #state(subject: LimitSubject, now: number): SubjectState {
    const counters = this.#counters(subject.id);
    const state: SubjectState = { id: subject.id, running: counters.leases.size };
    if (subject.rpm !== undefined) state.requests = bucketState(refilled(counters.requests, subject.rpm, now), subject.rpm);
    if (subject.tpm !== undefined) state.tokens = bucketState(refilled(counters.tokens, subject.tpm, now), subject.tpm);
    if (subject.concurrency !== undefined) state.concurrency = subject.concurrency;
    if (subject.budget !== undefined) state.budget = this.#budget(subject, now);
    return state;
  }

  #budget(subject: LimitSubject, now: number): BudgetState | undefined {
    if (subject.budget === undefined) return undefined;
    const counters = this.#counters(subject.id);
    const period = budgetPeriod(subject.budget, now);
    const spent = this.#spent(subject, counters, period.key);
    let held = 0;
    for (const usd of counters.leases.values()) held += usd;
    return { usd: subject.budget.usd, spent, held, remaining: Math.max(0, subject.budget.usd - spent - held), resetsAt: period.resetsAt };
  }

  /** The period's settled spend; a period this process has not seen starts from what the ledger holds. */
  #spent(subject: LimitSubject, counters: SubjectCounters, period: string): number {
    let spent = counters.spent.get(period);
    if (spent === undefined) {
      spent = subject.ledgerSpent ?? 0;
      counters.spent.clear();
      counters.spent.set(period, spent);
    }
    return spent;
  }

  #counters(id: string): SubjectCounters {
    let counters = this.#subjects.get(id);
    if (counters === undefined) this.#subjects.set(id, (counters = { leases: new Map(), spent: new Map() }));
    return counters;
  }
}

export function bucketState(tokens: number, perMinute: number): { limit: number; remaining: number; resetMs: number } {
  return { limit: perMinute, remaining: Math.max(0, Math.floor(tokens)), resetMs: msUntil(tokens, perMinute, perMinute) };
}
