import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Headers } from '@sluice/protocol';
import type { Caller } from '../../auth/key-ring.ts';
import { InvalidRequestError } from '../../errors/index.ts';
import { apiOf, checkCursor, findStream, isFullyRead } from '../../request/resume.ts';
import type { GatewayContext } from '../../request/context.ts';
import { createChatGeneration } from '../../request/start-chat.ts';
import { generationHeaders } from '../generation-headers.ts';
import type { StreamApi } from '../../streams/event-encoder.ts';
import { awaitUpstream, followAsSse } from './serve-generation.ts';
import type { SseDialect } from './sse-dialect.ts';

/** Each inbound API's SSE dialect: a stream resumes in the format it started in. */
export type SseDialects = Readonly<Record<StreamApi, SseDialect>>;
import { callerOf, requireKey } from '../../edge/require-key.ts';

interface StreamRequest {
  Params: { id: string };
  Querystring: { token?: string; after?: string };
}

/**
 * Resumable streams over HTTP: `GET /v1/streams/:id` replays after
 * `Last-Event-ID` (or `?after=`) and follows live; `DELETE` cancels;
 * `POST /v1/streams` starts one without holding a response, for a browser's
 * EventSource, which can only GET and resends `Last-Event-ID` by itself.
 */
export function registerStreamRoutes(app: FastifyInstance, ctx: GatewayContext, dialects: SseDialects): void {
  app.get<StreamRequest>('/v1/streams/:id', async (request, reply) => {
    const after = readAfter(request);
    const found = await findStream(ctx, optionalCaller(ctx, request), request.params.id, readToken(request));
    // Everything, the end included, was delivered: 204 is also what stops an EventSource reconnecting.
    if (isFullyRead(found, after)) return reply.code(204).send();
    checkCursor(found, after);
    followAsSse(ctx, reply, found, after, dialects[apiOf(found)]);
  });

  app.delete<StreamRequest>('/v1/streams/:id', async (request, reply) => {
    const found = await findStream(ctx, optionalCaller(ctx, request), request.params.id, readToken(request));
    if (found.kind === 'live') found.generation.cancel();
    else if (found.meta.status === 'running') await ctx.store.requestCancel(found.meta.id);
    return reply.code(204).send();
  });

  app.post('/v1/streams', { onRequest: requireKey(ctx.keys) }, async (request, reply) => {
    const caller = callerOf(request);
    const body = typeof request.body === 'object' && request.body !== null ? { ...request.body, stream: true } : request.body;
    const generation = await createChatGeneration(ctx, caller, body, { resumable: true, headers: request.headers });
    generation.start();
    await awaitUpstream(ctx, generation, reply);
    const token = ctx.tokens.issue(generation.id);
    void reply.headers(generationHeaders(generation)).header(Headers.streamId, generation.id).header(Headers.streamToken, token);
    return reply.code(201).send({ id: generation.id, token, url: `/v1/streams/${generation.id}?token=${encodeURIComponent(token)}` });
  });
}

/** Reading a stream needs no key when the per-stream token is presented (EventSource cannot send one). */
function optionalCaller(ctx: GatewayContext, request: FastifyRequest): Caller | null {
  if (request.headers.authorization === undefined && !ctx.keys.open) return null;
  return ctx.keys.authenticate(request.headers.authorization);
}

function readToken(request: FastifyRequest<StreamRequest>): string | undefined {
  const header = request.headers[Headers.streamToken];
  return typeof header === 'string' ? header : request.query.token;
}

/** The last seq the client holds: `Last-Event-ID` (what EventSource sends) wins over `?after=`. */
function readAfter(request: FastifyRequest<StreamRequest>): number {
  const header = request.headers[Headers.lastEventId];
  const raw = typeof header === 'string' && header !== '' ? header : (request.query.after ?? '0');
  if (!/^\d{1,15}$/.test(raw)) throw new InvalidRequestError(`Last-Event-ID / after must be a seq number, not "${raw.slice(0, 40)}".`, 'after');
  return Number(raw);
}
