import { StreamNotFoundError, StreamTruncatedError } from '../../errors/index.ts';
import { StreamLog, type LogEntry } from '../log.ts';
import type { ReplicaSeen, StreamLogStore, StreamLogWriter, StreamMeta } from './types.ts';

export interface MemoryStoreOptions {
  /** How long a finished stream stays readable. */
  retentionMs: number;
  /** Total bytes of events kept; past it, the oldest finished streams lose their oldest events. */
  maxBytes: number;
}

/** The share of `maxBytes` that remembered values may take; past it the oldest are forgotten first. */
const MEMORY_SHARE = 1 / 16;

interface Stored {
  meta: StreamMeta;
  log: StreamLog;
  /** Readers waiting for the next entry. */
  /** Readers waiting for the next append; made when the first one waits (most streams never have one). */
  waiters?: Set<() => void>;
  expiry?: NodeJS.Timeout;
}

/** The stream store of a single replica: the events in memory, under a byte cap. */
export class MemoryStreamLogStore implements StreamLogStore {
  readonly #streams = new Map<string, Stored>();
  /** Finished streams, oldest first: the first to lose events when over the cap. */
  readonly #finished = new Set<Stored>();
  readonly #options: MemoryStoreOptions;
  #bytes = 0;
  /** Remembered values, oldest first (all live as long, so this is also expiry order). */
  readonly #memory = new Map<string, { value: string; expiresAt: number }>();
  #memoryBytes = 0;

  constructor(options: MemoryStoreOptions) {
    this.#options = options;
  }

  get bytes(): number {
    return this.#bytes;
  }

  create(meta: Omit<StreamMeta, 'status' | 'lastSeq'>): StreamLogWriter {
    const stored: Stored = { meta: { ...meta, status: 'running', lastSeq: 0 }, log: new StreamLog() };
    this.#streams.set(meta.id, stored);
    return {
      append: (entry) => {
        stored.log.append(entry.kind, entry.json);
        stored.meta.lastSeq = entry.seq;
        this.#bytes += entry.json.length;
        this.#wake(stored);
        if (this.#bytes > this.#options.maxBytes) this.#shed();
      },
      finish: (status) => {
        stored.meta.status = status;
        this.#finished.add(stored);
        stored.expiry = setTimeout(() => this.#delete(stored), this.#options.retentionMs);
        stored.expiry.unref();
        this.#wake(stored);
      },
    };
  }

  async meta(streamId: string): Promise<StreamMeta | null> {
    const stored = this.#streams.get(streamId);
    return stored === undefined ? null : { ...stored.meta };
  }

  async *read(streamId: string, after: number, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const stored = this.#streams.get(streamId);
    if (stored === undefined) throw new StreamNotFoundError();
    let cursor = after;
    for (;;) {
      signal.throwIfAborted();
      if (cursor + 1 < stored.log.firstSeq) throw new StreamTruncatedError(cursor, stored.log.firstSeq);
      const entry = stored.log.at(cursor + 1);
      if (entry !== undefined) {
        cursor = entry.seq;
        yield entry;
        if (entry.kind !== 'chunk') return;
        continue;
      }
      if (stored.meta.status !== 'running') return;
      await this.#nextAppend(stored, signal);
    }
  }

  written(): Promise<void> {
    return Promise.resolve();
  }

  remember(key: string, value: string): void {
    this.#forget(key);
    this.#memory.set(key, { value, expiresAt: Date.now() + this.#options.retentionMs });
    this.#memoryBytes += key.length + value.length;
    const cap = this.#options.maxBytes * MEMORY_SHARE;
    for (const [oldest, entry] of this.#memory) {
      if (this.#memoryBytes <= cap && entry.expiresAt > Date.now()) break;
      this.#forget(oldest);
    }
  }

  async recall(keys: readonly string[]): Promise<(string | null)[]> {
    const now = Date.now();
    return keys.map((key) => {
      const entry = this.#memory.get(key);
      return entry !== undefined && entry.expiresAt > now ? entry.value : null;
    });
  }

  async forget(key: string): Promise<boolean> {
    const had = this.#memory.has(key);
    this.#forget(key);
    return had;
  }

  async requestCancel(): Promise<void> {
    // One replica: the registry cancels its own streams directly.
  }

  onCancelRequest(): void {}

  /** One replica, no others to see: the health page shows no replica list. */
  async replicas(): Promise<ReplicaSeen[] | null> {
    return null;
  }

  async close(): Promise<void> {
    for (const stored of this.#streams.values()) clearTimeout(stored.expiry);
    this.#streams.clear();
    this.#finished.clear();
    this.#bytes = 0;
    this.#memory.clear();
    this.#memoryBytes = 0;
  }

  #forget(key: string): void {
    const entry = this.#memory.get(key);
    if (entry === undefined) return;
    this.#memory.delete(key);
    this.#memoryBytes -= key.length + entry.value.length;
  }

  #nextAppend(stored: Stored, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        stored.waiters?.delete(done);
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        stored.waiters?.delete(done);
        reject(signal.reason);
      };
      (stored.waiters ??= new Set()).add(done);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  #wake(stored: Stored): void {
    if (stored.waiters === undefined) return;
    for (const waiter of stored.waiters) waiter();
  }

  /** Over the cap: drop events of finished streams, oldest stream first, keeping each terminal. */
  #shed(): void {
    for (const stored of this.#finished) {
      if (this.#bytes <= this.#options.maxBytes) return;
      const before = stored.log.bytes;
      stored.log.dropBefore(stored.log.lastSeq);
      this.#bytes -= before - stored.log.bytes;
    }
  }

  #delete(stored: Stored): void {
    this.#streams.delete(stored.meta.id);
    this.#finished.delete(stored);
    this.#bytes -= stored.log.bytes;
  }
}
