import type { GatewayError } from '../../errors/index.ts';
import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink } from '../../streams/subscription.ts';
import type { SseDialect } from './sse-dialect.ts';

/** The part of an HTTP/1.1 or HTTP/2 response an SSE stream writes to. */
export interface SseResponse {
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  once(event: 'drain', listener: () => void): unknown;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
}

/**
 * One client's SSE connection as a stream sink, framing entries in its
 * stream's API dialect. The frames written in one
 * turn of the event loop (the events of one upstream read, a replay) go out
 * as one write: one syscall, not one each. A full connection shows in the
 * next `write`, which is as soon as the writer can act on it. It remembers
 * when it last wrote, so the keepalive ticker pings only silent streams.
 */
export class SseSink implements StreamSink {
  readonly #res: SseResponse;
  readonly #dialect: SseDialect;
  lastWriteAt = Date.now();
  #pending = '';
  #full = false;
  readonly #flush = () => {
    const frames = this.#pending;
    this.#pending = '';
    if (frames === '' || this.closed) return;
    this.lastWriteAt = Date.now();
    if (!this.#res.write(frames)) {
      this.#full = true;
      this.#res.once('drain', () => (this.#full = false));
    }
  };

  constructor(res: SseResponse, dialect: SseDialect) {
    this.#res = res;
    this.#dialect = dialect;
  }

  get closed(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  write(entry: LogEntry): boolean {
    // One clock read and one write per turn (in the flush), not per frame.
    if (this.#pending === '') process.nextTick(this.#flush);
    this.#pending += this.#dialect.frame(entry);
    return !this.#full;
  }

  onDrain(resume: () => void): void {
    if (this.#full) this.#res.once('drain', resume);
    else process.nextTick(resume);
  }

  end(error?: GatewayError): void {
    if (this.closed) return;
    const last = error === undefined ? '' : this.#dialect.failure(error);
    const frames = this.#pending + last;
    this.#pending = '';
    if (frames === '') this.#res.end();
    else this.#res.end(frames);
  }

  ping(): void {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    this.#res.write(this.#dialect.ping);
  }
}
