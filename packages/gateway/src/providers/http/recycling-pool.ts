import { buildConnector, Pool } from 'undici';

/** Streams per h2 connection, undici's default; beyond it the pool opens another connection. */
const MAX_H2_STREAMS = 100;

/** An `http2: true` upstream that offered only HTTP/1.1 in the TLS handshake. */
export class UpstreamNotHttp2Error extends Error {
  readonly code = 'ERR_UPSTREAM_NOT_H2';
  constructor(origin: string) {
    super(`${origin} did not offer HTTP/2 (ALPN h2); set http2: false for this provider`);
    this.name = 'UpstreamNotHttp2Error';
  }
}

export interface RecyclingPoolOptions {
  /** Upper bound on open connections; unlimited when absent (every open stream holds one over HTTP/1.1). */
  maxConnections?: number;
  /** HTTP/2: by ALPN over TLS, prior-knowledge h2c over plain TCP; many streams share a connection. */
  http2?: boolean;
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

  /** The pool new requests go to. */
  get current(): Pool {
    return this.#pool;
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
    const http2 = this.#options.http2 === true;
    const ca = this.#options.ca;
    return new Pool(this.#origin, {
      connections: this.#options.maxConnections ?? null,
      keepAliveTimeout: 30_000,
      // HTTP/1.1: one request per connection at a time. h2: up to 100 streams per connection (fewer if the
      // upstream's SETTINGS say so), each with its own flow-control window, so a paused body pauses that
      // stream only and an abort resets that stream only.
      pipelining: http2 ? MAX_H2_STREAMS : 1,
      ...(http2 ? { allowH2: true, maxConcurrentStreams: MAX_H2_STREAMS } : {}),
      ...(http2 || ca !== undefined ? { connect: this.#connector(http2, ca) } : {}),
    });
  }

  /**
   * TLS offers h2 by ALPN; plain TCP speaks h2 at once (h2c, prior
   * knowledge): undici's Pool has no switch for that, its connector has.
   * With `http2` an upstream that answers ALPN with HTTP/1.1 is refused: the
   * pool pipelines as h2 does, which HTTP/1.1 must not.
   */
  #connector(http2: boolean, ca: string | undefined): buildConnector.connector {
    const tls = this.#origin.startsWith('https:');
    const connect = buildConnector({ allowH2: http2, ...(http2 && !tls ? { useH2c: true } : {}), ...(ca === undefined ? {} : { ca }) } as buildConnector.BuildOptions);
    if (!http2 || !tls) return connect;
    return (options, callback) =>
      connect(options, (error, socket) => {
        if (error !== null) return callback(error, null);
        if ((socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2') return callback(null, socket);
        socket.destroy();
        callback(new UpstreamNotHttp2Error(this.#origin), null);
      });
  }
}
