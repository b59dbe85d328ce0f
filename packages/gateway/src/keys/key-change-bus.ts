import { Redis } from 'ioredis';

/**
 * Tells every replica at once that the managed keys changed: a Redis
 * pub/sub channel carrying the new version. It only speeds things up: the
 * directory's version poll is what guarantees a change is seen within a
 * second, so a lost message (or Redis down) costs latency, never a revoked
 * key that keeps working.
 */
export class KeyChangeBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;

  constructor(options: { url: string; keyPrefix: string; onChange: () => void; onError: (error: unknown) => void }) {
    this.#channel = `${options.keyPrefix}keys:changed`;
    this.#publisher = new Redis(options.url, { maxRetriesPerRequest: 1 });
    this.#subscriber = new Redis(options.url, { maxRetriesPerRequest: 1 });
    this.#publisher.on('error', options.onError);
    this.#subscriber.on('error', options.onError);
    this.#subscriber.on('message', (channel: string) => {
      if (channel === this.#channel) options.onChange();
    });
    this.#subscriber.subscribe(this.#channel).catch(options.onError);
  }

  /** Tell the other replicas; failures are reported, never thrown (the poll covers them). */
  publish(version: number): void {
    this.#publisher.publish(this.#channel, String(version)).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }
}
