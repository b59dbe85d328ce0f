/**
 * Admission for outgoing requests: at most `maxConcurrent` at a time, at most
 * `rpm` requests and `tpm` tokens a minute (token buckets), in priority lanes
 * served strictly in order, first come first served within a lane. It adapts
 * to the server: a 429 pauses the buckets for the advised time, and
 * `x-ratelimit-*` headers clamp them to what the server says remains.
 */
import { abortReason, sleep } from './backoff.ts';
import { QueueFullError } from './errors.ts';
import { readRateLimitHeaders } from './rate-limit-headers.ts';
import { TokenBucket, type Clock } from './token-bucket.ts';

export type Priority = 'high' | 'normal' | 'low';
const LANES: readonly Priority[] = ['high', 'normal', 'low'];

export interface SchedulerOptions {
  /** Requests in flight at once (default unlimited). */
  maxConcurrent?: number;
  /** Requests a minute (default unlimited). */
  rpm?: number;
  /** Tokens a minute, prompt and completion (default unlimited). */
  tpm?: number;
  /** Seconds' worth of the rate a burst may use at once (default 1). */
  burstSeconds?: number;
  /** Requests allowed to wait; one more is refused with QueueFullError (default unlimited). */
  maxQueue?: number;
  now?: Clock;
}

export interface AcquireOptions {
  /** Estimated tokens for the tpm bucket. */
  tokens: number;
  priority?: Priority;
  signal?: AbortSignal;
}

/** One admitted request: holds a concurrency slot until released. */
export interface Lease {
  readonly tokens: number;
  /** Another attempt of the same request (a retry) spends another request from the rpm bucket. */
  again(signal?: AbortSignal): Promise<void>;
  /** Frees the slot; `actualTokens` corrects the tpm estimate with real usage. */
  release(actualTokens?: number): void;
}

interface Waiter {
  tokens: number;
  resolve(lease: Lease): void;
  reject(error: Error): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class Scheduler {
  readonly #maxConcurrent: number;
  readonly #maxQueue: number;
  readonly #requests: TokenBucket | null;
  readonly #tokens: TokenBucket | null;
  readonly #now: Clock;
  readonly #lanes = new Map<Priority, Waiter[]>(LANES.map((lane) => [lane, []]));
  #active = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: SchedulerOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxConcurrent = positiveOr(options.maxConcurrent, 'maxConcurrent');
    this.#maxQueue = positiveOr(options.maxQueue, 'maxQueue', 0);
    const burst = options.burstSeconds ?? 1;
    const bucket = (perMinute: number | undefined, name: string): TokenBucket | null =>
      perMinute === undefined || perMinute === Infinity
        ? null
        : new TokenBucket({ perMinute: positiveOr(perMinute, name), capacity: Math.max(1, (perMinute / 60) * burst), now: this.#now });
    this.#requests = bucket(options.rpm, 'rpm');
    this.#tokens = bucket(options.tpm, 'tpm');
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    let total = 0;
    for (const lane of this.#lanes.values()) total += lane.length;
    return total;
  }

  acquire(options: AcquireOptions): Promise<Lease> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.queued >= this.#maxQueue) return Promise.reject(new QueueFullError(this.#maxQueue));
    return new Promise<Lease>((resolve, reject) => {
      const lane = this.#lanes.get(options.priority ?? 'normal');
      if (!lane) return reject(new TypeError(`priority must be one of ${LANES.join(', ')}, got ${options.priority}`));
      const waiter: Waiter = {
        tokens: Math.max(0, options.tokens),
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = lane.indexOf(waiter);
          if (at !== -1) lane.splice(at, 1);
          reject(abortReason(signal!));
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      lane.push(waiter);
      this.#pump();
    });
  }

  /** The server answered 429: send nothing more until `ms` from now. */
  pause(ms: number): void {
    const until = this.#now() + ms;
    this.#requests?.pauseUntil(until);
    this.#tokens?.pauseUntil(until);
    this.#schedule(ms);
  }

  /** Believe the server's `x-ratelimit-*` headers over our own count. */
  observe(headers: Headers): void {
    const hints = readRateLimitHeaders(headers);
    const apply = (bucket: TokenBucket | null, remaining: number | undefined, resetMs: number | undefined): void => {
      if (!bucket || remaining === undefined) return;
      if (remaining < 1 && resetMs !== undefined) bucket.pauseUntil(this.#now() + resetMs);
      else bucket.clampTo(remaining);
    };
    apply(this.#requests, hints.requests.remaining, hints.requests.resetMs);
    apply(this.#tokens, hints.tokens.remaining, hints.tokens.resetMs);
  }

  #head(): Waiter | undefined {
    for (const lane of LANES) {
      const waiter = this.#lanes.get(lane)![0];
      if (waiter) return waiter;
    }
    return undefined;
  }

  /** Admit waiters in order while every limit allows; otherwise wake when the buckets will. */
  #pump(): void {
    for (let head = this.#head(); head; head = this.#head()) {
      if (this.#active >= this.#maxConcurrent) return;
      const wait = Math.max(this.#requests?.waitMs(1) ?? 0, this.#tokens?.waitMs(head.tokens) ?? 0);
      if (wait > 0) return this.#schedule(wait);
      this.#requests?.adjust(-1);
      this.#tokens?.adjust(-head.tokens);
      for (const lane of this.#lanes.values()) if (lane[0] === head) lane.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      this.#active++;
      head.resolve(this.#lease(head.tokens));
    }
  }

  #schedule(ms: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, ms);
  }

  #lease(tokens: number): Lease {
    let released = false;
    return {
      tokens,
      again: async (signal) => {
        const bucket = this.#requests;
        if (!bucket) return;
        while (!bucket.tryTake(1)) await sleep(bucket.waitMs(1), signal);
      },
      release: (actualTokens) => {
        if (released) return;
        released = true;
        this.#active--;
        if (actualTokens !== undefined) this.#tokens?.adjust(tokens - actualTokens);
        this.#pump();
      },
    };
  }
}

function positiveOr(value: number | undefined, name: string, min = 1): number {
  if (value === undefined) return Infinity;
  if (!(value >= min)) throw new TypeError(`${name} must be a number ≥ ${min}, got ${value}`);
  return value;
}
