/**
 * The readers of one replica that have caught up with streams another
 * replica is writing wait here, all on one connection: one XREAD BLOCK
 * names every followed stream, and one answer wakes the readers of every
 * stream that grew. A follower costs no connection of its own, and a
 * wake-up brings whatever the writer logged since (its events of one turn
 * share an entry), not one event.
 *
 * A reader that comes back while a read is blocked (it was slow to take
 * its last entries) is added by unblocking that read (CLIENT UNBLOCK), which
 * costs one command; readers that take their entries at once are back
 * before the next read goes out.
 */
import type { Redis } from 'ioredis';

/** XREAD's entries for one stream: `[id, [field, value, …]]`. */
export type StreamEntries = [string, string[]][];

type XreadReply = [string, StreamEntries][] | null;

interface Waiter {
  key: string;
  /** Entries with an id above this one are what the reader waits for. */
  afterSeq: number;
  since: number;
  resolve(entries: StreamEntries | null): void;
}

export interface FollowerOptions {
  /** A new connection for the blocking reads (a duplicate of the store's). */
  connect(): Redis;
  /** Sends a command that is not a blocking read on the store's shared connection (CLIENT UNBLOCK). */
  unblock(clientId: number): Promise<unknown>;
  /** How long one read blocks, ms; a reader waiting this long gets null, to check on the writer. */
  blockMs: number;
  entriesPerRead: number;
  /** Counts each command sent. */
  counted(): void;
}

export class RedisFollowers {
  readonly #options: FollowerOptions;
  readonly #waiters = new Set<Waiter>();
  #connection: Redis | undefined;
  #clientId: number | null = null;
  /** The waiters the read in flight names; null while no read is out. */
  #inFlight: Set<Waiter> | null = null;
  #unblocked = false;
  #scheduled = false;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: FollowerOptions) {
    this.#options = options;
  }

  /** The connections it holds (zero or one), for tests. */
  get connections(): number {
    return this.#connection === undefined ? 0 : 1;
  }

  /**
   * The entries of `key` after entry `afterSeq-0` once there are any, or
   * null after a block with none (the reader checks the writer's liveness).
   */
  wait(key: string, afterSeq: number, signal: AbortSignal): Promise<StreamEntries | null> {
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const aborted = (): void => {
        this.#waiters.delete(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        key,
        afterSeq,
        since: performance.now(),
        resolve: (entries) => {
          signal.removeEventListener('abort', aborted);
          this.#waiters.delete(waiter);
          resolve(entries);
        },
      };
      signal.addEventListener('abort', aborted, { once: true });
      this.#waiters.add(waiter);
      clearTimeout(this.#idleTimer);
      if (this.#inFlight !== null && !this.#unblocked && this.#clientId !== null) {
        // A read is out without this stream in it: cut it short so the next one names it.
        this.#unblocked = true;
        this.#options.counted();
        void this.#options.unblock(this.#clientId).catch(() => {});
      }
      this.#schedule();
    });
  }

  close(): void {
    clearTimeout(this.#idleTimer);
    for (const waiter of [...this.#waiters]) waiter.resolve(null);
    this.#connection?.disconnect();
    this.#connection = undefined;
  }

  /** The next read leaves after this turn, so readers that took their entries are back in it. */
  #schedule(): void {
    if (this.#inFlight !== null || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#read();
    });
  }

  async #read(): Promise<void> {
    if (this.#inFlight !== null) return;
    if (this.#waiters.size === 0) return this.#idle();
    const connection = this.#connect();
    // One key per stream, from the lowest cursor of its readers.
    const after = new Map<string, number>();
    for (const waiter of this.#waiters) after.set(waiter.key, Math.min(waiter.afterSeq, after.get(waiter.key) ?? Infinity));
    const included = new Set(this.#waiters);
    this.#inFlight = included;
    this.#unblocked = false;
    let reply: XreadReply = null;
    let failed = false;
    try {
      this.#options.counted();
      const args = ['COUNT', this.#options.entriesPerRead, 'BLOCK', this.#options.blockMs, 'STREAMS', ...after.keys(), ...[...after.values()].map((seq) => `${seq}-0`)];
      reply = (await (connection.xread as unknown as (...args: (string | number)[]) => Promise<unknown>).apply(connection, args)) as XreadReply;
    } catch {
      // The connection broke (or was closed): every reader checks on its writer, which reports what is wrong.
      failed = true;
    } finally {
      this.#inFlight = null;
    }
    const byKey = new Map(reply ?? []);
    const now = performance.now();
    for (const waiter of included) {
      if (!this.#waiters.has(waiter)) continue;
      const entries = byKey.get(waiter.key)?.filter(([id]) => Number(id.slice(0, id.indexOf('-'))) > waiter.afterSeq) ?? [];
      if (entries.length > 0) waiter.resolve(entries);
      // Nothing for a whole block: the reader checks whether the writer still lives.
      else if (failed || now - waiter.since >= this.#options.blockMs || (reply === null && !this.#unblocked)) waiter.resolve(null);
    }
    this.#schedule();
  }

  #connect(): Redis {
    if (this.#connection !== undefined) return this.#connection;
    const connection = this.#options.connect();
    this.#connection = connection;
    this.#clientId = null;
    connection.on('error', () => {});
    // The id CLIENT UNBLOCK needs, asked before the first read blocks the connection; a reconnection gets a new one.
    const learnId = (): void => {
      this.#options.counted();
      void connection.client('ID').then(
        (id) => (this.#clientId = this.#connection === connection ? Number(id) : this.#clientId),
        () => {},
      );
    };
    learnId();
    let connected = false;
    connection.on('ready', () => {
      if (connected) learnId();
      connected = true;
    });
    return connection;
  }

  /** Nobody waits: give the connection back after a block's time, unless a reader comes back first. */
  #idle(): void {
    clearTimeout(this.#idleTimer);
    if (this.#connection === undefined) return;
    this.#idleTimer = setTimeout(() => {
      if (this.#waiters.size > 0 || this.#inFlight !== null) return;
      this.#connection?.disconnect();
      this.#connection = undefined;
    }, this.#options.blockMs);
    this.#idleTimer.unref();
  }
}
