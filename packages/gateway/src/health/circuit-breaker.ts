import type { BreakerConfig } from '../config/routing-schema.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Outcomes counted in slices of the window, so a busy deployment costs a fixed few counters, not one entry per request. */
const SLICES = 10;

/**
 * One deployment's circuit breaker. Closed, it lets everything through and
 * counts outcomes; it opens after `failureThreshold` consecutive failures, or
 * when failures reach `failureRatio` of at least `minimumRequests` outcomes
 * in the last `windowMs`. Open, it refuses until the cooldown (or the
 * upstream's retry-after, whichever is longer) has passed; then, half-open,
 * it lets `halfOpenProbes` requests through: a success closes it, a failure
 * opens it again. Time is passed in, so replicas replaying the same
 * observations reach the same state.
 */
export class CircuitBreaker {
  readonly #options: BreakerConfig;
  #state: BreakerState = 'closed';
  #consecutiveFailures = 0;
  #openUntil = 0;
  #probesOut = 0;
  readonly #failures = new Array<number>(SLICES).fill(0);
  readonly #totals = new Array<number>(SLICES).fill(0);
  #slice = 0;
  #sliceStart = 0;

  constructor(options: BreakerConfig) {
    this.#options = options;
  }

  /** The state now: an open breaker whose cooldown has passed is half-open. */
  state(now: number): BreakerState {
    if (this.#state === 'open' && now >= this.#openUntil) {
      this.#state = 'half-open';
      this.#probesOut = 0;
    }
    return this.#state;
  }

  /** When an open breaker lets its probes through (0 when it is not open). */
  get openUntil(): number {
    return this.#state === 'open' ? this.#openUntil : 0;
  }

  /** Whether a request could be sent now, without taking a probe. */
  available(now: number): boolean {
    const state = this.state(now);
    return state === 'closed' || (state === 'half-open' && this.#probesOut < this.#options.halfOpenProbes);
  }

  /** Take the right to send one request: always when closed, one of the probes when half-open, never when open. */
  acquire(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.#probesOut >= this.#options.halfOpenProbes) return false;
    this.#probesOut++;
    return true;
  }

  /** A request acquired here ended without a verdict (cancelled, lost a hedge): its probe is free again. */
  release(): void {
    if (this.#state === 'half-open' && this.#probesOut > 0) this.#probesOut--;
  }

  succeeded(now: number): void {
    const state = this.state(now);
    // A request sent before the breaker opened says nothing about the deployment after the failures that opened it.
    if (state === 'open') return;
    if (state === 'half-open') return this.#close();
    this.#consecutiveFailures = 0;
    this.#count(now, false);
  }

  /** A counted failure; `retryAfterMs` is how long the upstream asked us to stay away. */
  failed(now: number, retryAfterMs = 0): void {
    const state = this.state(now);
    if (state === 'open') return;
    if (state === 'half-open') return this.#open(now, retryAfterMs);
    this.#consecutiveFailures++;
    this.#count(now, true);
    if (this.#consecutiveFailures >= this.#options.failureThreshold || this.#ratioExceeded()) this.#open(now, retryAfterMs);
  }

  /** Consecutive failures and the window's counts, for the dashboard. */
  counts(now: number): { consecutiveFailures: number; windowFailures: number; windowRequests: number } {
    this.#rotate(now);
    return { consecutiveFailures: this.#consecutiveFailures, windowFailures: sum(this.#failures), windowRequests: sum(this.#totals) };
  }

  #ratioExceeded(): boolean {
    const total = sum(this.#totals);
    return total >= this.#options.minimumRequests && sum(this.#failures) / total >= this.#options.failureRatio;
  }

  #open(now: number, retryAfterMs: number): void {
    this.#state = 'open';
    this.#openUntil = now + Math.max(this.#options.cooldownMs, retryAfterMs);
    this.#probesOut = 0;
  }

  #close(): void {
    this.#state = 'closed';
    this.#consecutiveFailures = 0;
    this.#probesOut = 0;
    this.#failures.fill(0);
    this.#totals.fill(0);
  }

  #count(now: number, failure: boolean): void {
    this.#rotate(now);
    this.#totals[this.#slice]++;
    if (failure) this.#failures[this.#slice]++;
  }

  /** Move the window on to `now`, emptying the slices that fell out of it. */
  #rotate(now: number): void {
    const width = this.#options.windowMs / SLICES;
    if (this.#sliceStart === 0) this.#sliceStart = now;
    const steps = Math.floor((now - this.#sliceStart) / width);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, SLICES); i++) {
      this.#slice = (this.#slice + 1) % SLICES;
      this.#failures[this.#slice] = 0;
      this.#totals[this.#slice] = 0;
    }
    this.#sliceStart += steps * width;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
