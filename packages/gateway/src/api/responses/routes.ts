import type { ChatMessage } from '@sluice/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../../auth/key-ring.ts';
import { StreamNotFoundError } from '../../errors/index.ts';
import type { GatewayContext } from '../../request/context.ts';
import { apiOf, checkCursor, findStream, isFullyRead, type FoundStream } from '../../request/resume.ts';
import { callerOf, requireKey } from '../../edge/require-key.ts';
import { createGeneration } from '../../request/start-chat.ts';
import type { Generation } from '../../streams/generation.ts';
import { wantsResumable } from '../../transports/sse/chat-route.ts';
import { followAsSse, readWhole, streamAsSse } from '../../transports/sse/serve-generation.ts';
import { createWhileQueued } from '../../transports/sse/queued-sse.ts';
import { ResponsesEncoder, streamIdOf } from './event-encoder.ts';
import { itemsToMessages } from './input-mapper.ts';
import { conversationOf, parseResponsesRequest, toChatRequest } from './request-mapper.ts';
import type { InputItem } from './request-schema.ts';
import { ResponseCollector } from './response-collector.ts';
import { responseEcho } from './response-object.ts';
import { responsesSse } from './sse-dialect.ts';
import { deleteResponse, loadResponse, previousConversation, ResponseNotFoundError, saveResponse } from './stored-responses.ts';

interface ResponseRoute {
  Params: { id: string };
  Querystring: { stream?: string; starting_after?: string };
}

/**
 * OpenAI's Responses API: `POST /v1/responses` (streaming as named SSE
 * events with sequence numbers, resumable like any sluice stream, or one
 * `response` object), `GET /v1/responses/{id}` (a stored response, or with
 * `?stream=true` its stream replayed, which is how OpenAI's SDK resumes)
 * and `DELETE /v1/responses/{id}`. Errors have OpenAI's shape.
 */
export function registerResponsesRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/responses', { onRequest: requireKey(ctx.keys) }, async (request, reply) => {
    const caller = callerOf(request);
    const parsed = parseResponsesRequest(request.body);
    const previous = parsed.previous_response_id == null ? [] : await previousConversation(ctx.store, caller, parsed.previous_response_id);
    const conversation = conversationOf(parsed, previous);
    const chat = toChatRequest(parsed, conversation);
    const includeEncrypted = parsed.include?.includes('reasoning.encrypted_content') ?? false;
    let encoder: ResponsesEncoder | undefined;
    const resumable = wantsResumable(request);
    const started = await createWhileQueued(ctx, reply, caller, { stream: chat.stream === true, resumable, dialect: responsesSse }, (queue) =>
      createGeneration(ctx, caller, chat, {
        resumable,
        headers: request.headers,
        ...queue,
        encoding: { api: 'responses', encoder: (streamId, createdAt) => (encoder = new ResponsesEncoder({ streamId, createdAt, echo: responseEcho(parsed), includeEncrypted })) },
      }),
    );
    if (started === null) return;
    const { generation, opened } = started;
    // The generation made its encoder when it was created, once its id existed.
    const kept = parsed.store === false ? undefined : keep(ctx, generation, encoder!, caller, conversation);
    if (chat.stream === true) return streamAsSse(ctx, generation, reply, responsesSse, opened);
    const collector = new ResponseCollector();
    await readWhole(generation, reply, collector);
    // Answered only once the stored response is where every replica reads it: the client may ask another one next.
    await kept;
    return collector.response();
  });

  app.get<ResponseRoute>('/v1/responses/:id', { onRequest: requireKey(ctx.keys) }, async (request, reply) => {
    const caller = callerOf(request);
    if (request.query.stream !== 'true') return (await loadResponse(ctx.store, caller, request.params.id)).response;
    const found = await responseStream(ctx, caller, request.params.id);
    // `starting_after` counts OpenAI's sequence numbers, which are the log's seq less one.
    const startingAfter = Number(request.query.starting_after ?? -1);
    let after = Number.isInteger(startingAfter) && startingAfter >= 0 ? startingAfter + 1 : 0;
    // A reader that has everything, the end included, gets the end again rather than a stream that never ends.
    if (isFullyRead(found, after)) after = (found.kind === 'live' ? found.generation.log.lastSeq : found.meta.lastSeq) - 1;
    else checkCursor(found, after);
    followAsSse(ctx, reply, found, after, responsesSse);
  });

  app.delete<ResponseRoute>('/v1/responses/:id', { onRequest: requireKey(ctx.keys) }, async (request) => {
    const caller = callerOf(request);
    await deleteResponse(ctx.store, caller, request.params.id);
    return { id: request.params.id, object: 'response.deleted', deleted: true };
  });
}

/**
 * Keep a `store: true` response: at once as in progress, and once it has
 * ended as it ended, with the conversation it continues and its output
 * (before the client can send the next turn: the save is queued in the
 * same turn of the event loop as the stream's last frame). The promise is
 * the final save written, which a non-stream answer waits for.
 */
function keep(ctx: GatewayContext, generation: Generation, encoder: ResponsesEncoder, caller: Caller, conversation: ChatMessage[]): Promise<void> {
  saveResponse(ctx.store, { owner: caller.id, response: encoder.initial(), conversation });
  return generation.settled.then(() => {
    const response = encoder.final;
    if (response === undefined) return;
    // Output items are input items too: what the model said, in the form the next request sends it back.
    const output = itemsToMessages(encoder.fullOutput as InputItem[]);
    saveResponse(ctx.store, { owner: caller.id, response, conversation: [...conversation, ...output] });
    return ctx.store.written();
  });
}

/** The resumable stream of a response: the caller must be the key that made it, and it must still be kept. */
async function responseStream(ctx: GatewayContext, caller: Caller, responseId: string): Promise<FoundStream> {
  const streamId = streamIdOf(responseId);
  try {
    if (streamId === null) throw new StreamNotFoundError();
    const found = await findStream(ctx, caller, streamId, undefined);
    if (apiOf(found) !== 'responses') throw new StreamNotFoundError();
    return found;
  } catch (error) {
    if (error instanceof StreamNotFoundError) throw new ResponseNotFoundError(responseId);
    throw error;
  }
}
