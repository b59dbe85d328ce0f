import type { Caller } from '../auth/key-ring.ts';
import type { Generation } from '../streams/generation.ts';
import { parseChatRequest } from './chat-request.ts';
import type { GatewayContext } from './context.ts';
import { attachTurns, recallTurns, turnRecorder } from './turn-memory/turn-memory.ts';

export interface StartChatOptions {
  resumable: boolean;
}

/**
 * The path every transport shares from a request body to a generation:
 * validate, route, create. The generation is not started, so the transport
 * can attach its reader first. Throws GatewayErrors for the client.
 * Turn memory is looked up now, while the generation is set up, and
 * re-attached for the target that gets the request.
 */
export function createChatGeneration(ctx: GatewayContext, caller: Caller, body: unknown, options: StartChatOptions): Generation {
  const request = parseChatRequest(body);
  const targets = ctx.router.resolve(request.model);
  const recalled = recallTurns(ctx.store, ctx.logger, caller.name, request);
  return ctx.registry.create({
    request,
    targets,
    retry: ctx.retry,
    includeUsage: request.stream_options?.include_usage === true,
    resumable: options.resumable,
    lingerMs: ctx.config.streams.lingerMs,
    owner: caller.name,
    prepare: recalled === null ? undefined : async (upstreamRequest, target) => attachTurns(upstreamRequest, await recalled, target.provider.id),
    observer: turnRecorder(ctx.store, ctx.logger, caller.name, request),
  });
}
