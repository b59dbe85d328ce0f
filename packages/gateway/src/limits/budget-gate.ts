import type { GatewayError } from '../errors/index.ts';
import { InsufficientQuotaError } from '../errors/limit-errors.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { OutputGate } from '../streams/output-gate.ts';
import { countTokens } from '../streams/token-counter.ts';
import { OUTPUT_INCREMENT } from './reservation.ts';

/** Asks the store for `usd` more of every budget: true when granted. Throws when the store cannot answer. */
export type Extend = (usd: number) => Promise<{ granted: boolean; budgetRemaining: number }>;

/**
 * Keeps a stream's output within what its budget reservation covers. The
 * reservation is extended one increment ahead of need (when less than half
 * an increment is left), so while budget remains the token path never waits
 * for the store. An event the reservation cannot cover waits for the
 * extension. Refused, the gate asks for what the budget still has (a last,
 * smaller increment); when not one more token fits, nothing more goes past
 * what is covered.
 *
 * Output is counted per event with the tokenizer: a delta counted alone
 * has at least the tokens it has inside the whole text, so the count stays
 * at or above what the stream is billed for.
 */
export class BudgetGate implements OutputGate {
  readonly #extend: Extend;
  readonly #outputUsd: number;
  readonly #onError: (error: unknown) => GatewayError | undefined;
  /** Output tokens the reservation covers, and those released. */
  #covered: number;
  #released = 0;
  #pending: Promise<void> | undefined;
  /** After a refusal: the tokens the budget still had room for, asked for next. */
  #smaller = 0;
  refusal: GatewayError | undefined;

  /** `onError`: what a failed extension means (the fail mode): a refusal, or undefined to go on as if granted. */
  constructor(options: { extend: Extend; outputUsd: number; firstOutputTokens: number; onError: (error: unknown) => GatewayError | undefined }) {
    this.#extend = options.extend;
    this.#outputUsd = options.outputUsd;
    this.#covered = options.firstOutputTokens;
    this.#onError = options.onError;
  }

  pass(event: StreamEvent): boolean | Promise<void> {
    const tokens = outputTokens(event);
    if (tokens === 0) return true;
    if (this.#released + tokens <= this.#covered) {
      this.#released += tokens;
      if (this.#covered - this.#released < OUTPUT_INCREMENT / 2) this.#extendBy(OUTPUT_INCREMENT);
      return true;
    }
    if (this.refusal !== undefined) return false;
    this.#extendBy(Math.max(OUTPUT_INCREMENT, this.#released + tokens - this.#covered));
    return this.#pending ?? Promise.resolve();
  }

  #extendBy(tokens: number): void {
    if (this.#pending !== undefined || this.refusal !== undefined) return;
    this.#pending = this.#extend(tokens * this.#outputUsd).then(
      ({ granted, budgetRemaining }) => {
        if (granted) return void (this.#covered += tokens);
        // Refused: what is left may still cover a few tokens, asked for next time.
        const fits = Math.floor(budgetRemaining / this.#outputUsd);
        if (fits >= 1 && fits < tokens) this.#smaller = fits;
        else this.refusal = new InsufficientQuotaError('The budget is spent: the stream was stopped before its output would exceed it.');
      },
      (error: unknown) => {
        this.refusal = this.#onError(error);
        if (this.refusal === undefined) this.#covered += tokens;
      },
    );
    void this.#pending.finally(() => {
      this.#pending = undefined;
      const smaller = this.#smaller;
      this.#smaller = 0;
      if (smaller > 0) this.#extendBy(smaller);
    });
  }
}

/** Output tokens an event releases: its text (answer, reasoning, a tool call's name and arguments). */
function outputTokens(event: StreamEvent): number {
  switch (event.type) {
    case 'content':
    case 'reasoning':
      return event.text === '' ? 0 : countTokens(event.text);
    case 'tool_call':
      return (event.call.function?.name ? countTokens(event.call.function.name) : 0) + (event.call.function?.arguments ? countTokens(event.call.function.arguments) : 0);
    default:
      return 0;
  }
}
