import { StreamTruncatedError, type GatewayError } from '../errors/index.ts';
import type { LogEntry, StreamLog } from './log.ts';

/**
 * Where a subscriber's events go: a transport's view of one client
 * connection. `write` returns false when the connection's buffer is full;
 * the sink then calls the callback given to `onDrain` once it has room.
 */
export interface StreamSink {
  write(entry: LogEntry): boolean;
  onDrain(resume: () => void): void;
  /** Nothing more will come: the terminal was written, or the stream cannot be read further (the error says why). */
  end(error?: GatewayError): void;
}

/** The generation side of a subscription: who to tell when a reader has room again or leaves. */
export interface SubscriptionHost {
  readonly log: StreamLog;
  onSubscriberReady(): void;
}

/**
 * One reader of a stream log, at its own cursor. It delivers every entry
 * after the cursor in order, each exactly once, live or replayed alike, and
 * stops at a full buffer until the sink drains.
 */
export class Subscription {
  #cursor: number;
  #blocked = false;
  #closed = false;
  readonly #host: SubscriptionHost;
  readonly #sink: StreamSink;
  readonly #resume = () => {
    this.#blocked = false;
    this.pump();
    if (!this.#blocked) this.#host.onSubscriberReady();
  };

  constructor(host: SubscriptionHost, sink: StreamSink, after: number) {
    this.#host = host;
    this.#sink = sink;
    this.#cursor = after;
  }

  /** The last seq delivered. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Waiting for its connection to drain. */
  get blocked(): boolean {
    return this.#blocked;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Deliver what the log holds past the cursor, until the end or a full buffer. */
  pump(): void {
    const log = this.#host.log;
    while (!this.#blocked && !this.#closed && this.#cursor < log.lastSeq) {
      const entry = log.at(this.#cursor + 1);
      if (entry === undefined) {
        this.#close(new StreamTruncatedError(this.#cursor, log.firstSeq));
        return;
      }
      this.#cursor = entry.seq;
      const hasRoom = this.#sink.write(entry);
      if (entry.kind !== 'chunk') {
        this.#close();
        return;
      }
      if (!hasRoom) {
        this.#blocked = true;
        this.#sink.onDrain(this.#resume);
      }
    }
  }

  /** Stop delivering (the client left or the stream is being torn down). */
  close(): void {
    this.#closed = true;
  }

  #close(error?: StreamTruncatedError): void {
    this.#closed = true;
    this.#sink.end(error);
  }
}
