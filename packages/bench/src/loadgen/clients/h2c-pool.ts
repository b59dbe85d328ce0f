/**
 * Prior-knowledge HTTP/2 connections, each carrying up to `streamsPerConnection`
 * streams at once, opened as needed. undici's own Pool stops dispatching to
 * an h2 connection that was busy while connecting (it never reports itself
 * drained), which strands requests in its queue, so the bench counts the
 * streams on each connection itself.
 */
import { H2CClient, type Dispatcher } from 'undici';

interface Connection {
  client: H2CClient;
  active: number;
}

export class H2cPool {
  readonly #origin: string;
  readonly #streamsPerConnection: number;
  readonly #connections: Connection[] = [];

  constructor(origin: string, streamsPerConnection: number) {
    this.#origin = origin;
    this.#streamsPerConnection = streamsPerConnection;
  }

  /** A connection with room for one more stream; call the returned `release` when the stream ends. */
  take(): { dispatcher: Dispatcher; release: () => void } {
    let connection = this.#connections.find((c) => c.active < this.#streamsPerConnection && !c.client.destroyed && !c.client.closed);
    if (!connection) {
      const client = new H2CClient(this.#origin, { maxConcurrentStreams: this.#streamsPerConnection, pipelining: this.#streamsPerConnection, connectTimeout: 30_000 });
      connection = { client, active: 0 };
      this.#connections.push(connection);
    }
    const taken = connection;
    taken.active++;
    let released = false;
    return {
      dispatcher: taken.client,
      release: () => {
        if (!released) taken.active--;
        released = true;
      },
    };
  }

  async destroy(): Promise<void> {
    await Promise.all(this.#connections.map((c) => c.client.destroy()));
    this.#connections.length = 0;
  }
}
