import type { GatewayError } from '../errors/index.ts';
import { InsufficientQuotaError } from '../errors/limit-errors.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { OutputGate } from '../streams/output-gate.ts';
import { countTokens } from '../streams/token-counter.ts';
import { OUTPUT_INCREMENT } from './reservation.ts';

/** Asks the store for more output tokens: all of `tokens`, as many as the budget has down to `minTokens`, or 0. Throws when the store cannot answer. */
export type Extend = (tokens: number, minTokens: number) => Promise<{ tokens: number; budgetRemaining: number }>;

/** Less than this many covered tokens left, the gate asks for more ahead of need. */
const AHEAD = OUTPUT_INCREMENT / 2;
/**
 * An extension asks for this many times what the reservation covers
 * already, so the reservation triples: a stream that has run for r tokens
 * is likely to run about as long again, and a count that runs ahead of the
 * upstream's (the tokenizer on each delta) still costs few extensions.
 * Reserved and unused is given back at settlement.
 */
const GROWTH = 2;

export interface BudgetGateOptions {
  extend: Extend;
  firstOutputTokens: number;
  /** The request's `max_tokens`: no extension asks for more than it leaves (unless the count went past it). */
  maxOutputTokens: number | undefined;
  /** What a failed extension means (the fail mode): a refusal, or undefined to go on as if granted. */
  onError: (error: unknown) => GatewayError | undefined;
}

/**
 * Keeps a stream's output within what its budget reservation covers. The
 * reservation is extended ahead of need (when less than half an increment
 * is left), so while budget remains the token path never waits for the
 * store. Each extension asks for twice what the reservation covers (at
 * most what `max_tokens` leaves): a long stream's reservation grows
 * geometrically, so it costs a few store calls (5 round trips in all for
 * 2,000 tokens), not one per 256 tokens. The store grants what the budget has
 * when that is less, so the stream runs to its last affordable token; an
 * event the reservation cannot cover waits for the extension, and when
 * the budget has not room for it, nothing more goes past what is covered.
 *
 * Output is counted per event with the tokenizer: a delta counted alone
 * has at least the tokens it has inside the whole text, so the count stays
 * at or above what the stream is billed for.
 */
export class BudgetGate implements OutputGate {
  readonly #options: BudgetGateOptions;
  /** Output tokens the reservation covers, and those released. */
  #covered: number;
  #released = 0;
  #pending: Promise<void> | undefined;
  refusal: GatewayError | undefined;

  constructor(options: BudgetGateOptions) {
    this.#options = options;
    this.#covered = options.firstOutputTokens;
  }

  pass(event: StreamEvent): boolean | Promise<void> {
    const tokens = outputTokens(event);
    if (tokens === 0) return true;
    if (this.#released + tokens <= this.#covered) {
      this.#released += tokens;
      if (this.#covered - this.#released < AHEAD) this.#extendBy(0);
      return true;
    }
    if (this.refusal !== undefined) return false;
    this.#extendBy(this.#released + tokens - this.#covered);
    return this.#pending ?? Promise.resolve();
  }

  /** Ask for more: `needed` tokens at least (0: ahead of need, any grant helps). */
  #extendBy(needed: number): void {
    if (this.#pending !== undefined || this.refusal !== undefined) return;
    const max = this.#options.maxOutputTokens;
    const room = max === undefined || max <= this.#covered ? Infinity : max - this.#covered;
    const wanted = Math.max(needed, Math.min(Math.max(OUTPUT_INCREMENT, GROWTH * this.#covered), room));
    this.#pending = this.#options.extend(wanted, Math.max(1, needed)).then(
      ({ tokens }) => {
        if (tokens > 0) this.#covered += tokens;
        else this.refusal = new InsufficientQuotaError('The budget is spent: the stream was stopped before its output would exceed it.');
      },
      (error: unknown) => {
        this.refusal = this.#options.onError(error);
        if (this.refusal === undefined) this.#covered += wanted;
      },
    );
    void this.#pending.finally(() => (this.#pending = undefined));
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
