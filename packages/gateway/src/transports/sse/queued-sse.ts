import type { FastifyReply } from 'fastify';
import type { GatewayContext } from '../../request/context.ts';
import { newStreamId } from '../../streams/stream-id.ts';
import type { SseDialect } from './sse-dialect.ts';
import { beginSse } from './sse-response.ts';
import type { SseSink } from './sse-sink.ts';

/**
 * A streaming request that may wait in its key's queue (`limits.queue`).
 * Once it has waited a keepalive interval, its SSE response opens, under
 * the stream id it will have (known before the stream exists), and pings
 * while it waits, so that proxies do not cut it. Admitted, the stream goes
 * on in that response; refused, the response ends with the error event.
 */
export class QueuedSse {
  readonly streamId = newStreamId();
  readonly #open: () => void;
  #timer: NodeJS.Timeout | undefined;
  #sink: SseSink | undefined;

  constructor(ctx: GatewayContext, reply: FastifyReply, resumable: boolean, dialect: SseDialect) {
    this.#open = () => {
      if (!reply.raw.destroyed) this.#sink = beginSse(ctx, reply, { streamId: this.streamId, resumable }, dialect);
    };
    this.onWait = () => {
      this.#timer = setTimeout(this.#open, ctx.config.streams.keepaliveMs);
    };
  }

  /** Called when the request starts waiting. */
  readonly onWait: () => void;

  /** The wait is over: the response, if it opened meanwhile. */
  done(): SseSink | undefined {
    clearTimeout(this.#timer);
    return this.#sink;
  }
}
