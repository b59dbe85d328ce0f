import { Redis } from 'ioredis';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { CachedAnswer, CacheStore } from './cache-store.ts';

export interface RedisCacheStoreOptions {
  url: string;
  keyPrefix: string;
  /** Answers larger than this are not shared (one value per answer, read whole). */
  maxBytes: number;
  onError(error: unknown): void;
}

/**
 * Cached answers shared by every replica through the configured Redis: one
 * string per answer (its events as JSON) with the TTL as its expiry, so
 * Redis does the expiring; its own `maxmemory` policy bounds the total.
 */
export class RedisCacheStore implements CacheStore {
  readonly #redis: Redis;
  readonly #options: RedisCacheStoreOptions;

  constructor(options: RedisCacheStoreOptions) {
    this.#options = options;
    // Connected on first use: a gateway whose aliases never cache opens no connection for it.
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: true, connectionName: `${options.keyPrefix}cache` });
    this.#redis.on('error', options.onError);
  }

  async get(key: string): Promise<CachedAnswer | null> {
    let text: string | null;
    try {
      text = await this.#redis.get(this.#key(key));
    } catch (error) {
      // An unreachable cache is a miss, never a failed request.
      this.#options.onError(error);
      return null;
    }
    if (text === null) return null;
    try {
      const events = JSON.parse(text) as StreamEvent[];
      return Array.isArray(events) ? { events } : null;
    } catch {
      return null;
    }
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    const text = JSON.stringify(answer.events);
    if (text.length > this.#options.maxBytes) return;
    this.#redis.set(this.#key(key), text, 'PX', ttlMs).catch(this.#options.onError);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(key: string): string {
    return `${this.#options.keyPrefix}cache:${key}`;
  }
}
