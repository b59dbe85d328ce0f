import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Headers } from '@sluice/protocol';
import { CancelledError } from '../../errors/index.ts';
import type { Generation } from '../../streams/generation.ts';
import type { GatewayContext } from '../../request/context.ts';
import { createChatGeneration } from '../../request/start-chat.ts';
import { CompletionCollector } from '../completion-collector.ts';
import { beginSse } from './sse-response.ts';

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

async function streamAsSse(ctx: GatewayContext, generation: Generation, reply: FastifyReply): Promise<void> {
  let stop: (() => void) | undefined;
  reply.raw.once('close', () => {
    if (stop !== undefined) stop();
    else if (!generation.options.resumable) generation.cancel(new CancelledError('The client disconnected.'));
  });
  generation.start();
  if (!(await awaitUpstream(ctx, generation, reply))) return void reply.hijack();
  const sink = beginSse(ctx, reply, { streamId: generation.id, resumable: generation.options.resumable });
  const subscription = generation.attach(sink, 0);
  stop = () => generation.detach(subscription);
}

async function answerAsJson(generation: Generation, reply: FastifyReply): Promise<unknown> {
  const collector = new CompletionCollector();
  const subscription = generation.attach(collector, 0);
  reply.raw.once('close', () => generation.detach(subscription));
  generation.start();
  const settlement = await generation.settled;
  if (settlement.error !== null) throw settlement.error;
  void reply.header(Headers.streamId, generation.id);
  return collector.completion();
}
