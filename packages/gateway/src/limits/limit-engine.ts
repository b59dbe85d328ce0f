import { randomBytes } from 'node:crypto';
import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import type { Logger } from 'pino';
import type { Caller } from '../auth/key-ring.ts';
import type { UsageStore } from '../billing/usage-store.ts';
import type { SluiceConfig } from '../config/schema.ts';
import { LimitsUnavailableError } from '../errors/limit-errors.ts';
import type { GatewayError } from '../errors/index.ts';
import type { RouteTarget } from '../routing/router.ts';
import { AdmissionQueue } from './admission-queue.ts';
import { UNLIMITED, type Admission } from './admission.ts';
import { BudgetGate } from './budget-gate.ts';
import { LedgerSpend } from './ledger-spend.ts';
import { AttemptLimits } from './attempt-limits.ts';
import type { AdmitRequest, AdmitResult, LimitStore, LimitSubject, SubjectState } from './limit-store.ts';
import { LimitSubjects } from './limit-subjects.ts';
import { limitHeaders } from './rate-limit-headers.ts';
import { refusalError } from './refusal-error.ts';
import { reservationFor, type Reservation } from './reservation.ts';

export interface AdmitOptions {
  /** The client left: stop waiting in the queue. */
  signal?: AbortSignal;
  /** The request starts waiting in its key's queue. */
  onWait?: () => void;
}

export interface LimitEngineOptions {
  config: SluiceConfig;
  store: LimitStore;
  usage: UsageStore;
  logger: Logger;
  /** Counted each time a request is admitted uncounted because the store is unreachable (failMode open). */
  onFailOpen(): void;
}

/** A failing store is logged at most this often while failMode open admits uncounted. */
const FAIL_OPEN_LOG_MS = 60_000;

/**
 * Admission: the limits of the request itself (its key's, its team's)
 * checked and taken in one store call, and those of each upstream attempt
 * (its deployment's, provider's, model alias's) by `attempts`; a
 * refusal is a 429 (or a wait in the key's queue), an unreachable store a
 * 503 or, with failMode open, an uncounted admission, never a fallback to
 * this replica's own memory.
 */
export class LimitEngine {
  readonly store: LimitStore;
  readonly #options: LimitEngineOptions;
  readonly #subjects: LimitSubjects;
  readonly #ledger: LedgerSpend;
  readonly #queue = new AdmissionQueue();
  /**
   * Leases are named across every replica sharing the store, so the prefix
   * is random: a pid and a start time are not unique (every container's
   * gateway is pid 1, and replicas started together share the millisecond).
   */
  readonly #leasePrefix = `${randomBytes(9).toString('base64url')}:`;
  #leases = 0;
  #failOpenLoggedAt = 0;

  constructor(options: LimitEngineOptions) {
    this.#options = options;
    this.store = options.store;
    this.#subjects = new LimitSubjects(options.config);
    this.#ledger = new LedgerSpend(options.usage, (error) => options.logger.error({ err: error }, 'reading budget spend from the ledger failed'));
  }

  /** Admit `request` or throw the refusal (RateLimitExceededError, InsufficientQuotaError, LimitsUnavailableError). */
  async admit(caller: Caller, request: ChatCompletionRequest, targets: readonly RouteTarget[], options: AdmitOptions = {}): Promise<Admission> {
    const found = this.#subjects.for(caller, request.model);
    if (found.length === 0) return UNLIMITED;
    const filled = this.#ledger.fill(found, caller);
    const subjects = Array.isArray(filled) ? filled : await filled;
    const needsCount = subjects.some((s) => s.tpm !== undefined || s.budget !== undefined);
    const reservation = reservationFor(request, targets, this.#options.config.limits.defaultMaxTokens, needsCount);
    const lease = this.#nextLease();
    const queue = caller.limits?.queue ?? caller.team?.limits?.queue;
    const result =
      queue === undefined
        ? await this.#admitOnce({ lease, subjects, tokens: reservation.tokens, cost: reservation.cost })
        : await this.#queued(caller, { lease, subjects, tokens: reservation.tokens, cost: reservation.cost, line: `queue:${caller.id}` }, queue.maxWaitMs, options);
    if (result === null) return UNLIMITED;
    const headers = limitHeaders(result.states);
    if (!result.admitted) throw refusalError(result.refusal, headers, reservation);
    return this.#admission(caller, lease, subjects, reservation, headers, result.states);
  }

  /** The gate that admits each upstream attempt of `request` against its target's own limits; undefined when no target has any. */
  attempts(request: ChatCompletionRequest, targets: readonly RouteTarget[]): AttemptLimits | undefined {
    const limited = targets.map((target) => this.#subjects.forTarget(target)).filter((subjects) => subjects.length > 0);
    if (limited.length === 0) return undefined;
    return new AttemptLimits({
      store: this.store,
      subjects: this.#subjects,
      logger: this.#options.logger,
      request,
      defaultMaxTokens: this.#options.config.limits.defaultMaxTokens,
      countsTokens: limited.some((subjects) => subjects.some((s) => s.tpm !== undefined)),
      lease: () => this.#nextLease(),
      storeFailed: (error) => this.#storeFailed(error),
    });
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  #nextLease(): string {
    return this.#leasePrefix + (++this.#leases).toString(36);
  }

  /** Admission through the key's queue: a wait in line, in the order the store keeps. */
  #queued(caller: Caller, request: AdmitRequest & { line: string }, maxWaitMs: number, options: AdmitOptions): Promise<AdmitResult | null> {
    const leave = () => void this.store.leave(request.line, request.lease).catch((error: unknown) => this.#options.logger.error({ err: error }, 'leaving a limits queue failed (the place expires by itself)'));
    return this.#queue.admit(caller.id, request.lease, () => this.#admitOnce(request), leave, { maxWaitMs, signal: options.signal, onWait: options.onWait });
  }

  /** One store call; null when the store failed and failMode open lets the request through uncounted. */
  #admitOnce(request: AdmitRequest): Promise<AdmitResult | null> {
    return this.store.admit(request).catch((error: unknown) => this.#storeFailed(error));
  }

  #storeFailed(error: unknown): null {
    if (this.#options.config.limits.failMode === 'closed') throw new LimitsUnavailableError(error);
    this.#options.onFailOpen();
    const now = Date.now();
    if (now - this.#failOpenLoggedAt >= FAIL_OPEN_LOG_MS) {
      this.#failOpenLoggedAt = now;
      this.#options.logger.error({ err: error }, 'the limit store is unreachable: admitting requests uncounted (limits.failMode "open")');
    }
    return null;
  }

  #admission(caller: Caller, lease: string, subjects: readonly LimitSubject[], reservation: Reservation, headers: Record<string, string>, states: readonly SubjectState[]): Admission {
    const budgets = subjects.filter((s) => s.budget !== undefined);
    const gate =
      budgets.length === 0 || reservation.outputUsd === 0
        ? undefined
        : new BudgetGate({
            extend: (tokens, minTokens) => this.store.extend(lease, budgets, { tokens, minTokens, usdPerToken: reservation.outputUsd }),
            firstOutputTokens: reservation.firstOutputTokens,
            maxOutputTokens: reservation.maxOutputTokens,
            onError: (error): GatewayError | undefined => {
              try {
                return this.#storeFailed(error) ?? undefined;
              } catch (refusal) {
                return refusal as GatewayError;
              }
            },
          });
    let settled = false;
    return {
      headers,
      states,
      gate,
      settle: (usage: Usage | undefined) => {
        if (settled) return;
        settled = true;
        const usedTokens = usage === undefined ? 0 : usage.prompt_tokens + usage.completion_tokens;
        this.store
          .settle({ lease, subjects, reservedTokens: reservation.tokens, usedTokens, cost: usage?.cost ?? 0 })
          .catch((error: unknown) => this.#options.logger.error({ err: error }, 'settling limits failed (its lease expires by itself)'))
          .finally(() => this.#queue.notify(caller.id));
      },
    };
  }
}
