import type { CachedAnswer, CacheStore } from './cache-store.ts';

interface Entry {
  answer: CachedAnswer;
  expiresAt: number;
  bytes: number;
}

/**
 * Cached answers in this process, least recently used first out, bounded
 * by entries and by bytes (each answer counted by its JSON length), each
 * expiring after its TTL.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: { maxEntries: number; maxBytes: number }) {
    this.#maxEntries = options.maxEntries;
    this.#maxBytes = options.maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<CachedAnswer | null> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    this.#entries.delete(key);
    if (entry.expiresAt <= Date.now()) {
      this.#bytes -= entry.bytes;
      return null;
    }
    // Most recently used last.
    this.#entries.set(key, entry);
    return entry.answer;
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    const bytes = JSON.stringify(answer.events).length;
    if (bytes > this.#maxBytes) return;
    this.#remove(key);
    this.#entries.set(key, { answer, expiresAt: Date.now() + ttlMs, bytes });
    this.#bytes += bytes;
    for (const [oldest] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest);
    }
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
