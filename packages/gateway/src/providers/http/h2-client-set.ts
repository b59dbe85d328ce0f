/**
 * HTTP/2 connections to one upstream, each carrying up to `streamsPerConnection`
 * streams: a request goes to the first connection with room, a new
 * connection opens when none has.
 *
 * Not undici's Pool: it reads a client's fullness from the return value of
 * `dispatch`, which says "full" only after the client has accepted the
 * request, so a burst of requests in one turn (the 64 streams of a sluice.v1
 * socket) leaves one request queued behind a full connection now and then;
 * with streams that last (an idle stream waiting for its first token) it
 * waits until one of them ends. Counting the streams ourselves, a request
 * is only ever given to a connection that can start it.
 */
import { buildConnector, Client, type Dispatcher } from 'undici';

/** An `http2: true` upstream that offered only HTTP/1.1 in the TLS handshake. */
export class UpstreamNotHttp2Error extends Error {
  readonly code = 'ERR_UPSTREAM_NOT_H2';
  constructor(origin: string) {
    super(`${origin} did not offer HTTP/2 (ALPN h2); set http2: false for this provider`);
    this.name = 'UpstreamNotHttp2Error';
  }
}

/**
 * TLS offers h2 by ALPN (an upstream that answers HTTP/1.1 is refused:
 * these connections carry many requests at once, which HTTP/1.1 must not);
 * plain TCP speaks h2 at once (h2c, prior knowledge).
 */
export function h2Connector(origin: string, ca: string | undefined): buildConnector.connector {
  const connect = buildConnector({ allowH2: true, ...(origin.startsWith('https:') ? {} : { useH2c: true }), ...(ca === undefined ? {} : { ca }) } as buildConnector.BuildOptions);
  if (!origin.startsWith('https:')) return connect;
  return (options, callback) =>
    connect(options, (error, socket) => {
      if (error !== null) return callback(error, null);
      if ((socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2') return callback(null, socket);
      socket.destroy();
      callback(new UpstreamNotHttp2Error(origin), null);
    });
}

export class H2ClientSet {
  readonly #origin: string;
  readonly #options: Client.Options;
  readonly #limit: number;
  readonly #clients: { client: Client; open: number }[] = [];

  constructor(origin: string, options: { streamsPerConnection: number; ca?: string }) {
    this.#origin = origin;
    this.#limit = options.streamsPerConnection;
    this.#options = { keepAliveTimeout: 30_000, allowH2: true, pipelining: options.streamsPerConnection, maxConcurrentStreams: options.streamsPerConnection, connect: h2Connector(origin, options.ca) };
  }

  async request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    const slot = this.#clients.find((c) => c.open < this.#limit && !c.client.destroyed && !c.client.closed) ?? this.#open();
    slot.open++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      slot.open--;
      if (slot.open === 0 && (slot.client.destroyed || slot.client.closed)) this.#drop(slot);
    };
    try {
      const response = await slot.client.request(options);
      // The stream is open until its body ends or is destroyed (an abort resets it).
      response.body.once('close', release);
      return response;
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Connections open now, for the idle check of the owner. */
  get connections(): number {
    return this.#clients.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.client.close().catch(() => c.client.destroy())));
  }


  #open(): { client: Client; open: number } {
    const slot = { client: new Client(this.#origin, this.#options), open: 0 };
    // A connection that goes away (GOAWAY, a reset socket) is reopened by undici on its next request; one closed for good leaves the set.
    slot.client.on('disconnect', () => {
      if (slot.open === 0) this.#drop(slot);
    });
    this.#clients.push(slot);
    return slot;
  }

  #drop(slot: { client: Client; open: number }): void {
    const index = this.#clients.indexOf(slot);
    if (index !== -1) this.#clients.splice(index, 1);
    void slot.client.close().catch(() => {});
  }
}
