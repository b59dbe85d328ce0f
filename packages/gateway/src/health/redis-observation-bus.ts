import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Observation, ObservationBus } from './observation-bus.ts';

export interface RedisObservationBusOptions {
  url: string;
  keyPrefix: string;
  onError(error: unknown): void;
}

/**
 * Breaker observations shared through Redis pub/sub on the configured Redis:
 * every replica publishes its verdicts on one channel and replays the
 * others' into its own breakers, so they all reach the same state. A
 * verdict costs one PUBLISH, sent after the turn that made it without
 * waiting for its answer; a replica
 * that was away misses what was said meanwhile, which a breaker forgets
 * within its window anyway.
 */
export class RedisObservationBus implements ObservationBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  /** Tells this replica's own messages from the others'. */
  readonly #origin = randomUUID();
  readonly #listeners: ((observation: Observation) => void)[] = [];
  /** Verdicts of this turn, not sent yet. */
  readonly #outbox: string[] = [];
  /** Resolves once the subscription is in place (tests wait for it). */
  readonly ready: Promise<void>;

  constructor(options: RedisObservationBusOptions) {
    this.#channel = `${options.keyPrefix}health`;
    this.#publisher = new Redis(options.url, { maxRetriesPerRequest: 2, connectionName: `${options.keyPrefix}health` });
    this.#publisher.on('error', options.onError);
    this.#subscriber = this.#publisher.duplicate({ connectionName: `${options.keyPrefix}health-sub` });
    this.#subscriber.on('error', options.onError);
    this.ready = this.#subscriber.subscribe(this.#channel).then(
      () => undefined,
      (error: unknown) => options.onError(error),
    );
    this.#subscriber.on('message', (_channel: string, text: string) => {
      const message = parse(text);
      if (message === null || message.origin === this.#origin) return;
      for (const listener of this.#listeners) listener(message.observation);
    });
  }

  /**
   * Sent after the current turn: a success is observed as the upstream's
   * first events arrive, and a write to Redis then (a syscall that wakes
   * another process) would come before those events' write to the client.
   * The verdicts of one turn leave together, in one write.
   */
  publish(observation: Observation): void {
    this.#outbox.push(JSON.stringify({ origin: this.#origin, observation }));
    if (this.#outbox.length === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const messages = this.#outbox.splice(0);
    if (messages.length === 0) return;
    const pipeline = this.#publisher.pipeline();
    for (const message of messages) pipeline.publish(this.#channel, message);
    pipeline.exec().catch(() => {
      // The error listener has it; a lost verdict only delays a breaker.
    });
  }

  subscribe(listener: (observation: Observation) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    this.#flush();
    this.#subscriber.disconnect();
    await this.#publisher.quit().catch(() => this.#publisher.disconnect());
  }
}

/** A message from the channel, or null for anything else found there. */
function parse(text: string): { origin: string; observation: Observation } | null {
  try {
    const value = JSON.parse(text) as { origin?: unknown; observation?: Partial<Observation> };
    const o = value.observation;
    if (typeof value.origin !== 'string' || o === undefined || typeof o.deployment !== 'string' || typeof o.ok !== 'boolean' || typeof o.at !== 'number') return null;
    return { origin: value.origin, observation: { deployment: o.deployment, ok: o.ok, at: o.at, ...(typeof o.retryAfterMs === 'number' ? { retryAfterMs: o.retryAfterMs } : {}) } };
  } catch {
    return null;
  }
}
