import type { FastifyReply } from 'fastify';
import { toGatewayError } from '../../errors/index.ts';
import type { Generation } from '../../streams/generation.ts';
import type { GatewayContext } from '../../request/context.ts';
import { newStreamId } from '../../streams/stream-id.ts';
import type { Caller } from '../../auth/key-ring.ts';
import { queueOf } from '../../limits/queue-of.ts';
import { clientSignal } from '../client-signal.ts';
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

export interface Queued {
  generation: Generation;
  /** The response, when it opened while the request waited. */
  opened: SseSink | undefined;
}

/** What a request that may wait in its key's queue passes to admission. */
export interface QueueWait {
  /** The stream's id, handed out before the stream exists (a queued SSE response opens with it). */
  streamId?: string;
  onWait?: () => void;
  /** The client left: stop waiting. */
  signal?: AbortSignal;
}

/**
 * Create a generation with `create`, a `stream: true` request pinging its
 * client while it waits in its key's queue. A caller without a queue never
 * waits, and nothing is made for waiting (the ping timer, the client's
 * abort signal): most requests are such. Resolves null when the request
 * was refused after its response opened: the response then ended with the
 * error event, in the API's dialect. Otherwise a refusal is thrown, for the
 * route's error handler and its status.
 */
export async function createWhileQueued(
  ctx: GatewayContext,
  reply: FastifyReply,
  caller: Caller,
  options: { stream: boolean; resumable: boolean; dialect: SseDialect },
  create: (queue: QueueWait) => Promise<Generation>,
): Promise<Queued | null> {
  if (queueOf(caller) === undefined) return { generation: await create({}), opened: undefined };
  const queued = options.stream ? new QueuedSse(ctx, reply, options.resumable, options.dialect) : undefined;
  try {
    const generation = await create({ streamId: queued?.streamId, onWait: queued?.onWait, signal: clientSignal(reply) });
    return { generation, opened: queued?.done() };
  } catch (error) {
    const opened = queued?.done();
    if (opened === undefined) throw error;
    opened.end(toGatewayError(error, ctx.config.server.bodyLimitBytes));
    return null;
  }
}
