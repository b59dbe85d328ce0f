import { SSE_PING_FRAME, encodeSseData, encodeSseEvent } from '@sluice/protocol';
import type { GatewayError } from '../../errors/index.ts';
import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink } from '../../streams/subscription.ts';

/** The part of an HTTP/1.1 or HTTP/2 response an SSE stream writes to. */
export interface SseResponse {
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  once(event: 'drain', listener: () => void): unknown;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
}

/** The SSE frame of a log entry: `id:` is the seq; the terminal is `[DONE]` or an `error` event. */
export function sseFrame(entry: LogEntry): string {
  switch (entry.kind) {
    case 'chunk':
      return encodeSseData(entry.seq, entry.json);
    case 'done':
      return encodeSseData(entry.seq, '[DONE]');
    case 'error':
      return encodeSseEvent('error', entry.seq, entry.json);
  }
}

/**
 * One client's SSE connection as a stream sink. It remembers when it last
 * wrote, so the keepalive ticker can send `: ping` only to silent streams.
 */
export class SseSink implements StreamSink {
  readonly #res: SseResponse;
  lastWriteAt = Date.now();

  constructor(res: SseResponse) {
    this.#res = res;
  }

  get closed(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  write(entry: LogEntry): boolean {
    this.lastWriteAt = Date.now();
    return this.#res.write(sseFrame(entry));
  }

  onDrain(resume: () => void): void {
    this.#res.once('drain', resume);
  }

  end(error?: GatewayError): void {
    if (this.closed) return;
    if (error === undefined) this.#res.end();
    else this.#res.end(`event: error\ndata: ${JSON.stringify(error.toWire())}\n\n`);
  }

  ping(): void {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    this.#res.write(SSE_PING_FRAME);
  }
}
