import type { Generation, GenerationObserver } from '../../streams/generation.ts';
import type { RouteTarget } from '../route-target.ts';
import { runningAnswerTarget, storedAnswerTarget } from './cache-targets.ts';
import type { CacheStore } from './cache-store.ts';
import { Recording } from './recording.ts';

/** How one request takes part in the cache. */
export interface CacheParticipation {
  /** Put before the plan's own targets: the running twin of this request, or else the stored answer. */
  target: RouteTarget;
  /** For the first of identical requests: records its events, so that the others can follow and the answer can be stored. */
  observer?: GenerationObserver;
  /** Call with the generation once it has been created (the first of identical requests only). */
  lead?(generation: Generation): void;
}

/**
 * The exact-match response cache. A request whose twin is running follows
 * that generation's events (one upstream call for every identical request
 * in flight); otherwise it looks its answer up in the store, and on a miss
 * goes upstream while recording, and a completed answer is stored for its
 * TTL.
 */
export class ResponseCache {
  readonly #store: CacheStore;
  readonly #defaultTtlMs: number;
  /** The generations running per key on this replica, by their recordings. */
  readonly #running = new Map<string, Recording>();

  constructor(store: CacheStore, defaultTtlMs: number) {
    this.#store = store;
    this.#defaultTtlMs = defaultTtlMs;
  }

  /** Requests in flight that others may follow (for tests and the dashboard). */
  get inFlight(): number {
    return this.#running.size;
  }

  participate(alias: string, key: string, ttlMs: number | null): CacheParticipation {
    const running = this.#running.get(key);
    if (running !== undefined) return { target: runningAnswerTarget(alias, running) };
    const recording = new Recording();
    return {
      target: storedAnswerTarget(alias, this.#store, key),
      observer: { observe: (event) => recording.add(event) },
      lead: (generation) => {
        this.#running.set(key, recording);
        recording.holder = () => generation.hold();
        void generation.settled.then((outcome) => {
          if (this.#running.get(key) === recording) this.#running.delete(key);
          if (outcome.status !== 'done') return recording.finish(false, outcome.error);
          // An answer that came from the store is there already.
          if (!outcome.cached) this.#store.set(key, { events: recording.events }, ttlMs ?? this.#defaultTtlMs);
          recording.finish(true);
        });
      },
    };
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
