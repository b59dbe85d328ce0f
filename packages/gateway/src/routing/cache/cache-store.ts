import type { StreamEvent } from '../../events/stream-event.ts';

/** What the cache keeps of a completed generation: its events, in order, as its upstream produced them. */
export interface CachedAnswer {
  events: StreamEvent[];
}

/** Where cached answers live: memory on one replica, Redis when several share them. */
export interface CacheStore {
  get(key: string): Promise<CachedAnswer | null>;
  /** Keep an answer for `ttlMs`; fire and forget (a lost write only costs a later miss). */
  set(key: string, answer: CachedAnswer, ttlMs: number): void;
  close(): Promise<void>;
}
