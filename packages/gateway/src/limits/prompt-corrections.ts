import type { ChatCompletionRequest } from '@sluice/protocol';
import { countPromptTokens } from '../streams/usage-meter.ts';
import type { LimitSubject, SubjectState } from './limit-store.ts';
import { withPromptTokens, type Reservation } from './reservation.ts';

/** What a correction gives back of an admission's take: TPM tokens, and US dollars of its budget reservation. */
export interface GivenBack {
  tokens: number;
  usd: number;
}

/**
 * A request's prompt taken at a bound (`promptTokenBound`), waiting for its
 * count. It is pending from the moment the store is asked: the memory store
 * takes or refuses at the call, and a refusal of another request in the
 * turns before this one hears its answer must count this bound too.
 */
export class BoundedPrompt {
  /** Set once counted: the reservation as counted, and what the bound took over it. */
  counted: { reservation: Reservation; given: GivenBack } | undefined;
  #onCounted: ((counted: Reservation, given: GivenBack) => void) | undefined;

  readonly lease: string;
  readonly subjects: readonly LimitSubject[];
  readonly request: ChatCompletionRequest;
  readonly reservation: Reservation;

  constructor(lease: string, subjects: readonly LimitSubject[], request: ChatCompletionRequest, reservation: Reservation) {
    this.lease = lease;
    this.subjects = subjects;
    this.request = request;
    this.reservation = reservation;
  }

  /** The admission made from it hears of the count: at once, if it was made before the admission was. */
  listen(onCounted: (counted: Reservation, given: GivenBack) => void): void {
    this.#onCounted = onCounted;
    if (this.counted !== undefined) onCounted(this.counted.reservation, this.counted.given);
  }

  wasCounted(reservation: Reservation, given: GivenBack): void {
    this.counted = { reservation, given };
    this.#onCounted?.(reservation, given);
  }
}

type Correct = (lease: string, subjects: readonly LimitSubject[], given: GivenBack) => void;

/**
 * Counting a prompt with the tokenizer costs tens of microseconds in a
 * busy process (its tables fall out of the CPU caches between requests),
 * and a request waits for none of it when admission takes the prompt at a
 * bound and counts it once the request is on its way upstream
 * (`afterDispatch`, through the admission's `prepare`), while the upstream
 * works. Only a store without round trips (memory) corrects for free, so
 * only it defers.
 *
 * Decisions stay those of counting first. A bound takes at least what the
 * count would, so a request admitted beside bounds is admitted beside
 * counts too. A refusal for tokens or budget could be the bounds' doing,
 * so the engine `flush`es every pending count (its own included) and asks
 * again before it refuses. Whatever reads an admission's state (its
 * headers, its settlement, the admin API's usage) resolves its count first.
 */
export class PromptCorrections {
  readonly #pending = new Map<string, BoundedPrompt>();
  readonly #correct: Correct;
  readonly #onError: (error: unknown) => void;

  constructor(correct: Correct, onError: (error: unknown) => void) {
    this.#correct = correct;
    this.#onError = onError;
  }

  get size(): number {
    return this.#pending.size;
  }

  add(bounded: BoundedPrompt): void {
    this.#pending.set(bounded.lease, bounded);
  }

  /** The store refused it: it took nothing, so there is nothing to correct. */
  remove(lease: string): void {
    this.#pending.delete(lease);
  }

  /** Count and correct `lease`'s prompt now, if it still waits. */
  resolve(lease: string): void {
    const bounded = this.#pending.get(lease);
    if (bounded === undefined) return;
    this.#pending.delete(lease);
    this.#apply(bounded);
  }

  /** Count and correct every waiting prompt. */
  flush(): void {
    for (const bounded of this.#pending.values()) this.#apply(bounded);
    this.#pending.clear();
  }

  #apply(bounded: BoundedPrompt): void {
    let counted: Reservation;
    try {
      counted = withPromptTokens(bounded.reservation, countPromptTokens(bounded.request));
    } catch (error) {
      // The bound stays taken until the request settles; nothing is lost but headroom.
      this.#onError(error);
      return;
    }
    const given = { tokens: bounded.reservation.tokens - counted.tokens, usd: bounded.reservation.cost - counted.cost };
    this.#correct(bounded.lease, bounded.subjects, given);
    bounded.wasCounted(counted, given);
  }
}

/** The states an admission left, had it taken `given` less: the headers then show what the count left. */
export function givenBack(states: readonly SubjectState[], given: GivenBack): SubjectState[] {
  return states.map((state) => {
    const next: SubjectState = { ...state };
    if (state.tokens !== undefined) {
      const { limit, remaining, resetMs } = state.tokens;
      next.tokens = { limit, remaining: Math.min(limit, remaining + given.tokens), resetMs: Math.max(0, Math.ceil(resetMs - (given.tokens * 60_000) / limit)) };
    }
    if (state.budget !== undefined) {
      const held = Math.max(0, state.budget.held - given.usd);
      next.budget = { ...state.budget, held, remaining: Math.max(0, state.budget.usd - state.budget.spent - held) };
    }
    return next;
  });
}
