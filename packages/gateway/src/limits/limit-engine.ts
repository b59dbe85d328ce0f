import { randomBytes } from 'node:crypto';
import type { ChatCompletionRequest } from '@sluice/protocol';
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
import { reservationFor, withPromptTokens, type Reservation } from './reservation.ts';
import { afterDispatch } from './after-dispatch.ts';
import { LeaseAdmission } from './lease-admission.ts';
import { queueOf } from './queue-of.ts';
import { BoundedPrompt, PromptCorrections } from './prompt-corrections.ts';
import { countPromptTokens } from '../streams/usage-meter.ts';
import { promptTokenBound } from '../streams/prompt-token-bound.ts';

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
  /** Prompts admitted at a bound, to count once their requests are upstream; only a store that corrects for free has them. */
  readonly #corrections: PromptCorrections | undefined;

  constructor(options: LimitEngineOptions) {
    this.#options = options;
    this.store = options.store;
    this.#subjects = new LimitSubjects(options.config);
    this.#ledger = new LedgerSpend(options.usage, (error) => options.logger.error({ err: error }, 'reading budget spend from the ledger failed'));
    const correct = options.store.correct?.bind(options.store);
    this.#corrections = correct === undefined ? undefined : new PromptCorrections(correct, (error) => options.logger.error({ err: error }, 'counting a prompt failed (its bound stays reserved until it settles)'));
  }

  /** Admit `request` or throw the refusal (RateLimitExceededError, InsufficientQuotaError, LimitsUnavailableError). */
  async admit(caller: Caller, request: ChatCompletionRequest, targets: readonly RouteTarget[], options: AdmitOptions = {}): Promise<Admission> {
    const found = this.#subjects.for(caller, request.model);
    if (found.length === 0) return UNLIMITED;
    const filled = this.#ledger.fill(found, caller);
    const subjects = Array.isArray(filled) ? filled : await filled;
    const needsCount = subjects.some((s) => s.tpm !== undefined || s.budget !== undefined);
    const corrections = this.#corrections;
    // A store without round trips takes the prompt at a bound now, and its count once the request is upstream.
    let bounded = needsCount && corrections !== undefined;
    let reservation = reservationFor(request, targets, this.#options.config.limits.defaultMaxTokens, !needsCount ? 0 : bounded ? promptTokenBound(request) : countPromptTokens(request));
    const lease = this.#nextLease();
    const queue = queueOf(caller);
    const asked: AdmitRequest = { lease, subjects, tokens: reservation.tokens, cost: reservation.cost };
    let pending: BoundedPrompt | undefined;
    const attempt = async (): Promise<AdmitResult | null> => {
      const taking = this.#admitOnce(asked);
      pending = bounded ? new BoundedPrompt(lease, subjects, request, reservation) : undefined;
      if (pending !== undefined) corrections!.add(pending);
      const result = await taking;
      if (pending !== undefined && (result === null || !result.admitted)) corrections!.remove(lease);
      if (corrections === undefined || result === null || result.admitted || (result.refusal.kind !== 'tpm' && result.refusal.kind !== 'budget')) return result;
      if (!bounded && corrections.size === 0) return result;
      // Bounds may refuse what counts admit: count every prompt still at its bound, this one's too, and ask again.
      corrections.flush();
      if (bounded) {
        bounded = false;
        pending = undefined;
        reservation = withPromptTokens(reservation, countPromptTokens(request));
        asked.tokens = reservation.tokens;
        asked.cost = reservation.cost;
      }
      return this.#admitOnce(asked);
    };
    const result = queue === undefined ? await attempt() : await this.#queued(caller, asked, `queue:${caller.id}`, attempt, queue.maxWaitMs, options);
    if (result === null) return UNLIMITED;
    if (!result.admitted) throw refusalError(result.refusal, limitHeaders(result.states), reservation);
    const admission = this.#admission(caller, lease, subjects, reservation, result.states, pending === undefined ? undefined : corrections);
    if (pending !== undefined) {
      pending.listen((counted, given) => admission.corrected(counted, given));
      afterDispatch(() => admission.prepare());
    }
    return admission;
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

  /** How a subject stands now, for the admin API, with every prompt admitted at a bound counted first. */
  usage(subject: LimitSubject): Promise<SubjectState> {
    this.#corrections?.flush();
    return this.store.usage(subject);
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  #nextLease(): string {
    return this.#leasePrefix + (++this.#leases).toString(36);
  }

  /** Admission through the key's queue: a wait in line, in the order the store keeps. */
  #queued(caller: Caller, asked: AdmitRequest, line: string, attempt: () => Promise<AdmitResult | null>, maxWaitMs: number, options: AdmitOptions): Promise<AdmitResult | null> {
    asked.line = line;
    const leave = () => void this.store.leave(line, asked.lease).catch((error: unknown) => this.#options.logger.error({ err: error }, 'leaving a limits queue failed (the place expires by itself)'));
    return this.#queue.admit(caller.id, asked.lease, attempt, leave, { maxWaitMs, signal: options.signal, onWait: options.onWait });
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

  #admission(caller: Caller, lease: string, subjects: readonly LimitSubject[], reservation: Reservation, states: readonly SubjectState[], corrections: PromptCorrections | undefined): LeaseAdmission {
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
    return new LeaseAdmission({
      lease,
      reservation,
      states,
      gate,
      corrections,
      settle: (held, usage) => {
        const usedTokens = usage === undefined ? 0 : usage.prompt_tokens + usage.completion_tokens;
        this.store
          .settle({ lease, subjects, reservedTokens: held.tokens, usedTokens, cost: usage?.cost ?? 0 })
          .catch((error: unknown) => this.#options.logger.error({ err: error }, 'settling limits failed (its lease expires by itself)'))
          .finally(() => this.#queue.notify(caller.id));
      },
    });
  }
}
