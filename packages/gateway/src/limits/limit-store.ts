import type { Budget } from './limit-spec.ts';

/**
 * One thing limits are counted against: a key, a team, a model alias or a
 * provider, with the limits it has now (they are passed on every call, so a
 * changed limit applies to the next request without a restart).
 */
export interface LimitSubject {
  /** `key:<caller id>`, `team:<name>`, `model:<alias>` or `provider:<id>`. */
  id: string;
  rpm?: number;
  tpm?: number;
  concurrency?: number;
  budget?: Budget;
  /**
   * US dollars the ledger holds for this subject's current budget period,
   * used by a store that holds no spend for it yet (a fresh process, an
   * emptied Redis), so that a restart does not reset a budget.
   */
  ledgerSpent?: number;
}

export interface AdmitRequest {
  /** Names this request's concurrency lease and budget reservation until it settles. */
  lease: string;
  subjects: readonly LimitSubject[];
  /** Tokens taken from every TPM bucket now: the prompt plus the most it may generate. */
  tokens: number;
  /** US dollars reserved against every budget now: the prompt plus the first output increment. */
  cost: number;
  /**
   * The line this request waits in when its key queues (`limits.queue`):
   * the store keeps its order, by the lease, first come first served over
   * every replica. Refused for rpm or concurrency, the request takes its
   * place (or keeps it); while an earlier one waits, a request whose
   * limits would pass is refused too (kind `queue`); admitted, it leaves.
   */
  line?: string;
}

export interface SettleRequest {
  lease: string;
  subjects: readonly LimitSubject[];
  /** What admission took from the TPM buckets, and what the request really used: the difference goes back. */
  reservedTokens: number;
  usedTokens: number;
  /** The real cost, which replaces everything reserved for the lease. */
  cost: number;
}

/** How one subject stands, after the call that read it. */
export interface SubjectState {
  id: string;
  requests?: BucketState;
  tokens?: BucketState;
  /** Leases running now (of every replica). */
  running: number;
  concurrency?: number;
  budget?: BudgetState;
}

export interface BucketState {
  limit: number;
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface BudgetState {
  usd: number;
  /** Settled spend in the current period. */
  spent: number;
  /** Reserved by running streams, not yet settled. */
  held: number;
  /** `usd - spent - held`, never below 0. */
  remaining: number;
  /** When the period ends (UTC), or null for a `total` budget. */
  resetsAt: number | null;
}

/** `queue`: the limits would pass, but an earlier request of the same line waits. */
export type LimitKind = 'rpm' | 'tpm' | 'concurrency' | 'budget' | 'queue';

export interface Refusal {
  kind: LimitKind;
  /** The subject whose limit refused. */
  subject: string;
  /** When trying again can succeed: from the bucket for rpm/tpm, null when no wait will do (a request larger than the tpm limit). */
  retryAfterMs: number | null;
  /** For `queue`: the lease first in the line, which the request waits behind. */
  ahead?: string;
}

export type AdmitResult = { admitted: true; states: SubjectState[] } | { admitted: false; refusal: Refusal; states: SubjectState[] };

/** More output for a running lease, in tokens at one price: all of `tokens` if the budgets have it, else as many as fit down to `minTokens`, else none. */
export interface ExtendRequest {
  tokens: number;
  minTokens: number;
  /** US dollars an output token costs (the highest price among the request's targets). */
  usdPerToken: number;
}

export interface ExtendResult {
  /** Output tokens granted: `tokens`, fewer (at least `minTokens`) when that is all the budgets have, or 0. */
  tokens: number;
  /** The least budget left among the subjects, after the grant. */
  budgetRemaining: number;
}

/**
 * Where limit state lives: memory for one replica, Redis for several. Each
 * call is atomic over all the subjects it names: a request passes every
 * limit or takes nothing from any. A store keeps the leases this process
 * holds alive (a replica that dies stops renewing them and they expire).
 */
export interface LimitStore {
  /** Check every limit of every subject; if all pass, take one request, the tokens, a lease and the reservation. */
  admit(request: AdmitRequest): Promise<AdmitResult>;
  /** Reserve more output tokens for a running lease against every budget of `subjects`: as many as asked, or as many as all of them have room for, or none. */
  extend(lease: string, subjects: readonly LimitSubject[], request: ExtendRequest): Promise<ExtendResult>;
  /** The lease ends: free its slot, correct the TPM take, replace its reservation by the real cost. */
  settle(request: SettleRequest): Promise<void>;
  /** A request stops waiting in `line` (it gave up, or its client left): its place goes, so it blocks nobody. */
  leave(line: string, lease: string): Promise<void>;
  /** How a subject stands now, for the admin API: read only (expired leases aside). */
  usage(subject: LimitSubject): Promise<SubjectState>;
  /**
   * Only a store that answers without a round trip (this process's memory)
   * has it: give back part of an admitted lease's take, `tokens` to every
   * TPM bucket and `usd` of its budget reservation. Admission then takes the
   * prompt at a bound and corrects it to the tokenizer's count a moment
   * later, once the request is on its way upstream (see PromptCorrections).
   */
  correct?(lease: string, subjects: readonly LimitSubject[], give: { tokens: number; usd: number }): void;
  close(): Promise<void>;
}

/** Refusals a queued request waits out: its place in the line is kept (the same kinds in lua/admit.lua). */
export function waitsInLine(kind: LimitKind): boolean {
  return kind === 'rpm' || kind === 'concurrency' || kind === 'queue';
}

/** Budgets are compared in US dollars; a millionth of a cent absorbs float rounding. */
export const USD_EPSILON = 1e-8;

/** The tokens an extension grants when the budgets have `leftUsd` at least (the same arithmetic runs in lua/extend.lua). */
export function tokensGranted(leftUsd: number, request: ExtendRequest): number {
  const fits = Math.floor((leftUsd + USD_EPSILON) / request.usdPerToken);
  const tokens = Math.min(request.tokens, fits);
  return tokens > 0 && tokens >= request.minTokens ? tokens : 0;
}
