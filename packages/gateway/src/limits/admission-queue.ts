import { CancelledError } from '../errors/index.ts';
import type { AdmitResult } from './limit-store.ts';

/** How often a waiting request looks again for a slot another replica may have freed. */
const POLL_MS = 50;

interface Waiter {
  /** Resolves when this waiter is at the head of its key's line. */
  turn: Promise<void>;
  start(): void;
  /** Wakes the head early: a lease of its key was settled here. */
  wake: (() => void) | undefined;
}

export interface QueueOptions {
  maxWaitMs: number;
  signal?: AbortSignal;
  /** Called once when the request starts waiting (SSE keeps its client alive meanwhile). */
  onWait?: () => void;
}

/**
 * Requests over their key's concurrency or RPM wait here instead of being
 * refused at once: first come, first served, one line per key, so a key
 * that floods its own line delays nobody else. Only the head of a line asks
 * the store; it asks again when a lease of its key settles on this replica,
 * when its bucket will have refilled, or every 50 ms (for slots freed on
 * other replicas), until `maxWaitMs`, and then takes the refusal.
 */
export class AdmissionQueue {
  readonly #lines = new Map<string, Waiter[]>();

  async admit(key: string, attempt: () => Promise<AdmitResult | null>, options: QueueOptions): Promise<AdmitResult | null> {
    const started = Date.now();
    if (!this.#lines.has(key)) {
      const first = await attempt();
      if (!mayWait(first)) return first;
    }
    options.onWait?.();
    const line = this.#lines.get(key) ?? [];
    this.#lines.set(key, line);
    let start!: () => void;
    const waiter: Waiter = { turn: new Promise<void>((resolve) => (start = resolve)), start: () => start(), wake: undefined };
    line.push(waiter);
    if (line.length === 1) waiter.start();
    try {
      await abortable(waiter.turn, options.signal);
      for (;;) {
        const result = await attempt();
        const left = started + options.maxWaitMs - Date.now();
        if (!mayWait(result) || left <= 0) return result;
        const refusal = (result as Extract<AdmitResult, { admitted: false }>).refusal;
        const wait = Math.min(left, refusal.kind === 'rpm' && refusal.retryAfterMs !== null ? refusal.retryAfterMs : POLL_MS);
        await abortable(new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          waiter.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }), options.signal);
        waiter.wake = undefined;
      }
    } finally {
      line.splice(line.indexOf(waiter), 1);
      if (line.length === 0) this.#lines.delete(key);
      else if (line[0] !== undefined) line[0].start();
    }
  }

  /** A lease of `key` settled here: its line's head may have a slot now. */
  notify(key: string): void {
    this.#lines.get(key)?.[0]?.wake?.();
  }
}

function mayWait(result: AdmitResult | null): boolean {
  return result !== null && !result.admitted && (result.refusal.kind === 'rpm' || result.refusal.kind === 'concurrency');
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new CancelledError('The client left while the request waited for its limits.'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('The client left while the request waited for its limits.'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      reject,
    );
  });
}
