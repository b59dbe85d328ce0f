import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Headers } from '@sluice/protocol';
import { CancelledError } from '../../errors/index.ts';
import type { Generation } from '../../streams/generation.ts';
import type { Subscription } from '../../streams/subscription.ts';
import type { GatewayContext } from '../../server/context.ts';
import { createChatGeneration } from '../../server/start-chat.ts';
import { CompletionCollector } from '../completion-collector.ts';
import { SseSink, type SseResponse } from './sse-sink.ts';

/** `x-sluice-resumable: 1` (or `true`) asks for a stream that outlives its connection. */
export function wantsResumable(request: FastifyRequest): boolean {
  const value = request.headers[Headers.resumable];
  return value === '1' || value === 'true';
}

/** `POST /v1/chat/completions`: OpenAI's endpoint, streaming as SSE or answering one JSON completion. */
export function registerChatRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const caller = ctx.keys.authenticate(request.headers.authorization);
    const generation = createChatGeneration(ctx, caller, request.body, { resumable: wantsResumable(request) });
    if (generation.options.request.stream === true) return streamAsSse(ctx, generation, reply);
    return answerAsJson(generation, reply);
  });
}

/**
 * Hold the response until an upstream accepts the request, so that an
 * upstream refusal keeps its HTTP status (429 stays 429); but not longer than
 * a keepalive interval, after which the stream opens and pings while it waits.
 */
export async function streamAsSse(ctx: GatewayContext, generation: Generation, reply: FastifyReply): Promise<void> {
  const res = reply.raw;
  let subscription: Subscription | undefined;
  let sink: SseSink | undefined;
  const onClose = () => {
    if (sink !== undefined) ctx.keepalive.delete(sink);
    if (subscription !== undefined) generation.detach(subscription);
    else if (!generation.options.resumable) generation.cancel(new CancelledError('The client disconnected.'));
  };
  res.on('close', onClose);
  generation.start();
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<void>((resolve) => (timer = setTimeout(resolve, ctx.config.streams.keepaliveMs)));
  try {
    await Promise.race([generation.opened, slow]);
  } catch (error) {
    // A client that left before the upstream answered needs no error response.
    if (res.destroyed) return void reply.hijack();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  reply.hijack();
  if (res.destroyed) return;
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    [Headers.streamId]: generation.id,
  };
  if (generation.options.resumable) headers[Headers.streamToken] = ctx.tokens.issue(generation.id);
  res.writeHead(200, headers);
  res.flushHeaders();
  sink = new SseSink(res as SseResponse);
  ctx.keepalive.add(sink);
  subscription = generation.attach(sink, 0);
}

async function answerAsJson(generation: Generation, reply: FastifyReply): Promise<unknown> {
  const collector = new CompletionCollector();
  const subscription = generation.attach(collector, 0);
  reply.raw.on('close', () => generation.detach(subscription));
  generation.start();
  const settlement = await generation.settled;
  if (settlement.error !== null) throw settlement.error;
  void reply.header(Headers.streamId, generation.id);
  return collector.completion();
}
