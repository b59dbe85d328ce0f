import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import type { Logger } from 'pino';
import type { RouteTarget } from '../routing/route-target.ts';
import { FREE_PASS, type AttemptGate, type AttemptPass, type AttemptRefusal } from '../streams/attempt-gate.ts';
import type { LimitStore, LimitSubject, SubjectState } from './limit-store.ts';
import type { LimitSubjects } from './limit-subjects.ts';
import { limitHeaders } from './rate-limit-headers.ts';
import { refusalError } from './refusal-error.ts';
import { reservationFor, type Reservation } from './reservation.ts';
import { countPromptTokens } from '../streams/usage-meter.ts';

export interface AttemptLimitsOptions {
  store: LimitStore;
  subjects: LimitSubjects;
  logger: Logger;
  request: ChatCompletionRequest;
  defaultMaxTokens: number;
  /** Whether any target counts tokens (the prompt is counted once, for all of them, only then). */
  countsTokens: boolean;
  /** A fresh lease name. */
  lease(): string;
  /** The store failed: null to go on uncounted (failMode open); throws the 503 when failMode is closed. */
  storeFailed(error: unknown): null;
}

/**
 * One request's attempts, each admitted against its own target's limits
 * (deployment, provider, model alias) with a lease of its own: one request,
 * its TPM reservation (prompt plus max_tokens) and a concurrency slot, held
 * while the attempt runs. An attempt that fails gives back its slot and
 * tokens at once (its request stays counted: the upstream saw it); one cut
 * off after sending its prompt keeps the prompt's tokens; the one that
 * serves the stream is corrected to its real usage when the stream settles.
 */
export class AttemptLimits implements AttemptGate {
  readonly #options: AttemptLimitsOptions;
  #reservation: Reservation | undefined;
  /** The state of each target's subjects when its last attempt was admitted: the response's headers take the tightest. */
  readonly #states = new Map<RouteTarget, readonly SubjectState[]>();

  constructor(options: AttemptLimitsOptions) {
    this.#options = options;
  }

  async admit(target: RouteTarget): Promise<AttemptPass | AttemptRefusal> {
    const { store, subjects: all } = this.#options;
    const subjects = all.forTarget(target);
    if (subjects.length === 0) return FREE_PASS;
    const reservation = (this.#reservation ??= reservationFor(this.#options.request, [], this.#options.defaultMaxTokens, this.#options.countsTokens ? countPromptTokens(this.#options.request) : 0));
    const lease = this.#options.lease();
    let result;
    try {
      result = await store.admit({ lease, subjects, tokens: reservation.tokens, cost: 0 });
    } catch (error) {
      return this.#options.storeFailed(error) ?? FREE_PASS;
    }
    if (!result.admitted) return { refusal: refusalError(result.refusal, limitHeaders(result.states), reservation) };
    this.#states.set(target, result.states);
    return this.#pass(lease, subjects, reservation);
  }

  /**
   * The response's rate-limit headers once `target` serves it: the tightest of the request's own limits
   * (`requestStates`, from its admission) and `target`'s own as its attempt was admitted.
   */
  headersFor(target: RouteTarget | undefined, requestStates: readonly SubjectState[]): Record<string, string> {
    const own = target === undefined ? undefined : this.#states.get(target);
    return limitHeaders(own === undefined ? requestStates : [...requestStates, ...own]);
  }

  #pass(lease: string, subjects: readonly LimitSubject[], reservation: Reservation): AttemptPass {
    let ended = false;
    return {
      end: (usage?: Usage | 'prompt') => {
        if (ended) return;
        ended = true;
        const usedTokens = usage === undefined ? 0 : usage === 'prompt' ? reservation.promptTokens : usage.prompt_tokens + usage.completion_tokens;
        this.#options.store
          .settle({ lease, subjects, reservedTokens: reservation.tokens, usedTokens, cost: 0 })
          .catch((error: unknown) => this.#options.logger.error({ err: error }, 'settling an attempt\'s limits failed (its lease expires by itself)'));
      },
    };
  }
}
