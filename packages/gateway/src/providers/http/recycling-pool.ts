import { Pool, type Dispatcher } from 'undici';

export interface RecyclingPoolOptions {
  /** Upper bound on open connections; unlimited when absent (every open stream holds one). */
  maxConnections?: number;
  /** Certificate authorities (PEM) to trust besides the system's. */
  ca?: string;
  /** Idle connections tolerated at a check before the pool is replaced. */
  maxIdleConnections: number;
  /** How often to check. */
  checkEveryMs: number;
}

/**
 * A keep-alive undici Pool that replaces itself when idle connections pile
 * up. undici (nodejs/undici#5845) opens a spare connection for every request
 * aborted mid-response and never times it out, so a gateway whose clients
 * cancel streams would otherwise keep one idle socket per cancel, forever.
 * A replaced pool finishes its running requests, then closes every
 * connection, spare ones included.
 */
export class RecyclingPool {
  readonly #origin: string;
  readonly #options: RecyclingPoolOptions;
  readonly #timer: NodeJS.Timeout;
  readonly #retiring = new Set<Promise<void>>();
  #pool: Pool;

  constructor(origin: string, options: RecyclingPoolOptions) {
    this.#origin = origin;
    this.#options = options;
    this.#pool = this.#newPool();
    this.#timer = setInterval(() => this.#check(), options.checkEveryMs);
    this.#timer.unref();
  }

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    return this.#pool.request(options);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([this.#pool.destroy(), ...this.#retiring]);
  }

  #check(): void {
    if (this.#pool.stats.free <= this.#options.maxIdleConnections) return;
    const old = this.#pool;
    this.#pool = this.#newPool();
    const closing = old.close().catch(() => {});
    this.#retiring.add(closing);
    void closing.then(() => this.#retiring.delete(closing));
  }

  #newPool(): Pool {
    const ca = this.#options.ca;
    return new Pool(this.#origin, { connections: this.#options.maxConnections ?? null, keepAliveTimeout: 30_000, pipelining: 1, ...(ca === undefined ? {} : { connect: { ca } }) });
  }
}
