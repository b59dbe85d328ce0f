import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Headers } from '@sluice/protocol';
import type { GatewayContext } from '../../request/context.ts';
import { createChatGeneration } from '../../request/start-chat.ts';
import { CompletionCollector } from '../completion-collector.ts';
import { readWhole, streamAsSse } from './serve-generation.ts';
import { chatSse } from './sse-dialect.ts';
import { callerOf, requireKey } from '../../edge/require-key.ts';
import { createWhileQueued } from './queued-sse.ts';

/** `x-sluice-resumable: 1` (or `true`) asks for a stream that outlives its connection. */
export function wantsResumable(request: FastifyRequest): boolean {
  const value = request.headers[Headers.resumable];
  return value === '1' || value === 'true';
}

function wantsStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true;
}

/** `POST /v1/chat/completions`: OpenAI's endpoint, streaming as SSE or answering one JSON completion. */
export function registerChatRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/chat/completions', { onRequest: requireKey(ctx.keys) }, async (request, reply) => {
    const caller = callerOf(request);
    const resumable = wantsResumable(request);
    const started = await createWhileQueued(ctx, reply, caller, { stream: wantsStream(request.body), resumable, dialect: chatSse }, (queue) =>
      createChatGeneration(ctx, caller, request.body, { resumable, headers: request.headers, ...queue }),
    );
    if (started === null) return;
    const { generation, opened } = started;
    if (generation.options.request.stream === true) return streamAsSse(ctx, generation, reply, chatSse, opened);
    const collector = new CompletionCollector();
    await readWhole(generation, reply, collector);
    return collector.completion();
  });
}
