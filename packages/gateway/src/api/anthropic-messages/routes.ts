import type { ChatCompletionRequest } from '@sluice/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../../auth/key-ring.ts';
import { AuthenticationError } from '../../errors/index.ts';
import type { GatewayContext } from '../../request/context.ts';
import { createGeneration } from '../../request/start-chat.ts';
import { assertModelAllowed } from '../../keys/model-allow-list.ts';
import type { StreamEncoding } from '../../streams/event-encoder.ts';
import { installErrorHandler } from '../../transports/error-reply.ts';
import { callerOf, requireCaller } from '../../edge/require-key.ts';
import { wantsResumable } from '../../transports/sse/chat-route.ts';
import { readWhole, streamAsSse } from '../../transports/sse/serve-generation.ts';
import { createWhileQueued } from '../../transports/sse/queued-sse.ts';
import { messagesError } from './errors.ts';
import { MessagesEncoder } from './event-encoder.ts';
import { MessageCollector } from './message-collector.ts';
import { parseMessagesRequest, toChatRequest } from './request-mapper.ts';
import { countTokensRequest } from './request-schema.ts';
import { messagesSse } from './sse-dialect.ts';
import { countInputTokens, roughInputTokens } from './token-count.ts';

/**
 * Anthropic's Messages API: `POST /v1/messages` (streaming as Anthropic's
 * named SSE events, resumable like any sluice stream, or one `message`
 * object) and `POST /v1/messages/count_tokens`. The key comes as
 * `x-api-key` or `Authorization: Bearer`; `anthropic-version` and
 * `anthropic-beta` are accepted and ignored. Errors have Anthropic's shape.
 */
export function registerMessagesRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  void app.register(async (scope) => {
    installErrorHandler(ctx, scope, messagesError);

    // The key is checked as the headers arrive, before the body is read.
    const requireMessagesKey = requireCaller((request) => messagesCaller(ctx, request));

    scope.post('/v1/messages', { onRequest: requireMessagesKey }, async (request, reply) => {
      const caller = callerOf(request);
      const chat = toChatRequest(parseMessagesRequest(request.body));
      const resumable = wantsResumable(request);
      const started = await createWhileQueued(ctx, reply, caller, { stream: chat.stream === true, resumable, dialect: messagesSse }, (queue) =>
        createGeneration(ctx, caller, chat, { resumable, encoding: messagesEncoding(chat), headers: request.headers, ...queue }),
      );
      if (started === null) return;
      const { generation, opened } = started;
      if (chat.stream === true) return streamAsSse(ctx, generation, reply, messagesSse, opened);
      const collector = new MessageCollector();
      await readWhole(generation, reply, collector);
      return collector.message();
    });

    scope.post('/v1/messages/count_tokens', { onRequest: requireMessagesKey }, async (request) => {
      const chat = toChatRequest(parseMessagesRequest(request.body, countTokensRequest));
      assertModelAllowed(callerOf(request), chat.model);
      const [target] = ctx.router.resolve(chat.model);
      const signal = AbortSignal.timeout(30_000);
      return { input_tokens: await countInputTokens(chat, target, signal) };
    });
  });
}

function messagesEncoding(chat: ChatCompletionRequest): StreamEncoding {
  return {
    api: 'messages',
    encoder: (streamId) => new MessagesEncoder({ messageId: `msg_${streamId}`, model: chat.model, estimateInputTokens: () => roughInputTokens(chat) }),
  };
}

/** The gateway key, from `x-api-key` (what Anthropic's clients send) or `Authorization: Bearer`. */
function messagesCaller(ctx: GatewayContext, request: FastifyRequest): Caller {
  const apiKey = request.headers['x-api-key'];
  try {
    if (typeof apiKey === 'string' && apiKey !== '') return ctx.keys.authenticateKey(apiKey);
    return ctx.keys.authenticate(request.headers.authorization);
  } catch (error) {
    if (error instanceof AuthenticationError) throw new AuthenticationError('Invalid or missing API key. Pass a gateway key as "x-api-key: <key>" or "Authorization: Bearer <key>".');
    throw error;
  }
}
