import { CancelledError } from '../errors/index.ts';
import { waitsInLine, type AdmitResult } from './limit-store.ts';

/** How often a waiting request looks again for a slot another replica may have freed. */
const POLL_MS = 50;

interface Waiter {
  lease: string;
  /** Resolves when this waiter may ask the store: it heads its key's line here, or the store named it first in line. */
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
 * that floods its own line delays nobody else. The order itself is kept
 * by the limit store, in every attempt (`AdmitRequest.line`): a request
 * takes its place with its first refusal, and no later request passes it,
 * on this replica or another (Redis). Here, only the head of this
 * replica's part of the line asks the store again: when a lease of its key
 * settles on this replica, when its bucket will have refilled, or every
 * 50 ms (for slots freed, or earlier waiters admitted, on other replicas),
 * until `maxWaitMs`; then it takes the refusal and gives up its place.
 * The two orders can differ: a waiter whose replica stalled past its
 * place's expiry comes back at the end of the store's line. So when the
 * store answers that another request is first in line and that request
 * waits here, it starts asking too, and the line never waits on a
 * waiter that does not ask.
 */
export class AdmissionQueue {
  readonly #lines = new Map<string, Waiter[]>();

  /** `leave`: give up the request's place in the store's line (it stopped waiting without being admitted). */
  async admit(key: string, lease: string, attempt: () => Promise<AdmitResult | null>, leave: () => void, options: QueueOptions): Promise<AdmitResult | null> {
    const started = Date.now();
    // Every arrival asks once, so it takes its place in the store's line at once, behind earlier ones.
    const first = await attempt();
    if (!mayWait(first)) return first;
    options.onWait?.();
    const line = this.#lines.get(key) ?? [];
    this.#lines.set(key, line);
    let start!: () => void;
    const waiter: Waiter = { lease, turn: new Promise<void>((resolve) => (start = resolve)), start: () => start(), wake: undefined };
    line.push(waiter);
    if (line.length === 1) waiter.start();
    let result: AdmitResult | null = first;
    try {
      await abortable(waiter.turn, options.signal);
      for (;;) {
        result = await attempt();
        const left = started + options.maxWaitMs - Date.now();
        if (!mayWait(result) || left <= 0) return result;
        const refusal = (result as Extract<AdmitResult, { admitted: false }>).refusal;
        if (refusal.ahead !== undefined) line.find((other) => other.lease === refusal.ahead)?.start();
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
      if (mayWait(result)) leave();
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
  return result !== null && !result.admitted && waitsInLine(result.refusal.kind);
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
