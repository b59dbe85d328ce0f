/**
 * A token bucket measured in a continuous clock: `capacity` tokens at most,
 * refilled at `perMinute / 60 000` per millisecond. A take larger than the
 * capacity is allowed when the bucket is full and leaves it in debt, so one
 * large request is paced rather than stuck forever.
 */

export type Clock = () => number;

export interface TokenBucketOptions {
  perMinute: number;
  /** Tokens available at once (default one second's worth, at least 1). */
  capacity?: number;
  now?: Clock;
}

export class TokenBucket {
  readonly perMinute: number;
  readonly capacity: number;
  readonly #perMs: number;
  readonly #now: Clock;
  #level: number;
  /** The level was last computed at this instant (it may lie in the future while paused). */
  #at: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.perMinute > 0) || !Number.isFinite(options.perMinute)) {
      throw new TypeError(`a rate limit must be a positive number per minute, got ${options.perMinute}`);
    }
    this.perMinute = options.perMinute;
    this.#perMs = options.perMinute / 60_000;
    this.capacity = options.capacity ?? Math.max(1, options.perMinute / 60);
    this.#now = options.now ?? Date.now;
    this.#level = this.capacity;
    this.#at = this.#now();
  }

  /** Tokens available now (negative while in debt or paused). */
  level(): number {
    const now = this.#now();
    if (now <= this.#at) return now < this.#at ? Math.min(this.#level, 0) : this.#level;
    return Math.min(this.capacity, this.#level + (now - this.#at) * this.#perMs);
  }

  /** Milliseconds until `amount` can be taken; 0 when it can be taken now. */
  waitMs(amount: number): number {
    const now = this.#now();
    const needed = Math.min(amount, this.capacity);
    const start = Math.max(now, this.#at);
    const levelAtStart = start === now ? this.level() : this.#level;
    if (levelAtStart >= needed) return start - now;
    return start - now + Math.ceil((needed - levelAtStart) / this.#perMs);
  }

  /** Take `amount` now if `waitMs(amount)` is 0; returns whether it did. */
  tryTake(amount: number): boolean {
    if (this.waitMs(amount) > 0) return false;
    this.adjust(-amount);
    return true;
  }

  /** Add (refund) or remove (charge more) tokens, e.g. when real usage corrects an estimate. */
  adjust(delta: number): void {
    const now = this.#now();
    if (now >= this.#at) {
      this.#level = this.level();
      this.#at = now;
    }
    this.#level = Math.min(this.capacity, this.#level + delta);
  }

  /** Empty the bucket and refill nothing before `until` (a server said "retry after"). */
  pauseUntil(until: number): void {
    if (until <= this.#at) return;
    this.#level = Math.min(0, this.level());
    this.#at = until;
  }

  /** The server reported how many remain: never believe we have more than that. */
  clampTo(remaining: number): void {
    if (this.level() > remaining) this.adjust(remaining - this.level());
  }
}
