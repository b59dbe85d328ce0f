import type { FastifyReply } from 'fastify';
import { Headers } from '@sluice/protocol';
import type { GatewayContext } from '../../request/context.ts';
import { follow, type FoundStream } from '../../request/resume.ts';
import type { Generation } from '../../streams/generation.ts';
import type { StreamSink } from '../../streams/subscription.ts';
import type { SseDialect } from './sse-dialect.ts';
import { beginSse } from './sse-response.ts';
import type { SseSink } from './sse-sink.ts';
import { generationHeaders } from '../generation-headers.ts';

/**
 * Hold the response until an upstream has produced its first events, so
 * that an upstream refusal keeps its HTTP status (429 stays 429, a blocked
 * prompt is a 400), but no longer than a keepalive interval: past it the
 * stream opens and pings while it waits.
 * Resolves false when the client left before that.
 */
export async function awaitUpstream(ctx: GatewayContext, generation: Generation, reply: FastifyReply): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<void>((resolve) => (timer = setTimeout(resolve, ctx.config.streams.keepaliveMs)));
  try {
    await Promise.race([generation.opened, slow]);
  } catch (error) {
    // A client that left before the upstream answered needs no error response.
    if (reply.raw.destroyed) return false;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return !reply.raw.destroyed;
}

/**
 * Start a generation and stream it to this response as SSE, in its API's
 * dialect; into `opened` when the response opened already (while the
 * request waited in its key's queue).
 */
export async function streamAsSse(ctx: GatewayContext, generation: Generation, reply: FastifyReply, dialect: SseDialect, opened?: SseSink): Promise<void> {
  if (opened !== undefined) {
    generation.start();
    const subscription = generation.attach(opened, 0);
    if (reply.raw.destroyed) generation.detach(subscription);
    else reply.raw.once('close', () => generation.detach(subscription));
    return;
  }
  let stop: (() => void) | undefined;
  generation.start(true);
  // The client may have left while the request was admitted.
  if (reply.raw.destroyed) {
    generation.abandon();
    return void reply.hijack();
  }
  reply.raw.once('close', () => (stop === undefined ? generation.abandon() : stop()));
  let answered: boolean;
  try {
    answered = await awaitUpstream(ctx, generation, reply);
  } catch (error) {
    // The error's response carries them too (the rate-limit headers above all).
    void reply.headers(generationHeaders(generation));
    throw error;
  }
  if (!answered) return void reply.hijack();
  const sink = beginSse(ctx, reply, { streamId: generation.id, resumable: generation.options.resumable, headers: generationHeaders(generation) }, dialect);
  const subscription = generation.attach(sink, 0);
  stop = () => generation.detach(subscription);
}

/**
 * Start a generation for a `stream: false` request and wait for it to end,
 * read whole into `collector`, which assembles the API's one JSON answer.
 * Throws the stream's error, so the response keeps its status.
 */
export async function readWhole(generation: Generation, reply: FastifyReply, collector: StreamSink): Promise<void> {
  const subscription = generation.attach(collector, 0);
  if (reply.raw.destroyed) generation.detach(subscription);
  else reply.raw.once('close', () => generation.detach(subscription));
  generation.start();
  const settlement = await generation.settled;
  void reply.headers(generationHeaders(generation));
  if (settlement.error !== null) throw settlement.error;
  void reply.header(Headers.streamId, generation.id);
}

/** Read a found stream from `after + 1` into this response as SSE: replayed, then live. */
export function followAsSse(ctx: GatewayContext, reply: FastifyReply, found: FoundStream, after: number, dialect: SseDialect): void {
  const streamId = found.kind === 'live' ? found.generation.id : found.meta.id;
  const sink = beginSse(ctx, reply, { streamId, resumable: true }, dialect);
  const stop = follow(ctx, found, sink, after);
  reply.raw.once('close', stop);
}
