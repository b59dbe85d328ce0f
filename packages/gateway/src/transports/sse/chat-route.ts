import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Headers } from '@sluice/protocol';
import type { GatewayContext } from '../../request/context.ts';
import { createChatGeneration } from '../../request/start-chat.ts';
import { CompletionCollector } from '../completion-collector.ts';
import { readWhole, streamAsSse } from './serve-generation.ts';
import { chatSse } from './sse-dialect.ts';
import { callerOf, requireKey } from '../../edge/require-key.ts';
import { clientSignal } from '../client-signal.ts';

/** `x-sluice-resumable: 1` (or `true`) asks for a stream that outlives its connection. */
export function wantsResumable(request: FastifyRequest): boolean {
  const value = request.headers[Headers.resumable];
  return value === '1' || value === 'true';
}

/** `POST /v1/chat/completions`: OpenAI's endpoint, streaming as SSE or answering one JSON completion. */
export function registerChatRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/chat/completions', { onRequest: requireKey(ctx.keys) }, async (request, reply) => {
    const caller = callerOf(request);
    const generation = await createChatGeneration(ctx, caller, request.body, { resumable: wantsResumable(request), headers: request.headers, responseHeaders: reply.raw, signal: clientSignal(reply) });
    if (generation.options.request.stream === true) return streamAsSse(ctx, generation, reply, chatSse);
    const collector = new CompletionCollector();
    await readWhole(generation, reply, collector);
    return collector.completion();
  });
}
