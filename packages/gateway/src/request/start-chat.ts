import type { IncomingHttpHeaders } from 'node:http';
import type { ChatCompletionRequest } from '@sluice/protocol';
import type { Caller } from '../auth/key-ring.ts';
import { chatEncoding } from '../streams/chunk-encoder.ts';
import type { StreamEncoding } from '../streams/event-encoder.ts';
import type { Generation } from '../streams/generation.ts';
import type { Admission } from '../limits/admission.ts';
import { parseChatRequest } from './chat-request.ts';
import { routeHintsOf } from './route-hints.ts';
import { routeRequest, type RoutedRequest } from './route-request.ts';
import { allObservers } from './observers.ts';
import { assertModelAllowed } from '../keys/model-allow-list.ts';
import type { GatewayContext } from './context.ts';
import { attachTurns, recallTurns, turnRecorder } from './turn-memory/turn-memory.ts';

export interface StartChatOptions {
  resumable: boolean;
  /** The client's request headers, read for its W3C trace context when tracing is on. */
  headers?: IncomingHttpHeaders;
  /** The client left: a request still waiting in its key's queue stops waiting. */
  signal?: AbortSignal;
  /** The request waits in its key's queue (a stream can start pinging its client). */
  onWait?: () => void;
  /** The stream's id, when it was handed out before the stream existed (a queued SSE response opens with it). */
  streamId?: string;
  /** The client's wire, `sse` unless said. */
  transport?: 'sse' | 'ws';
}

export interface StartGenerationOptions extends StartChatOptions {
  /** The inbound API the stream speaks and its encoder. */
  encoding: StreamEncoding;
}

/**
 * The path every transport and inbound API shares from an internal request
 * (an OpenAI chat body, already validated) to a generation: check the
 * key's model allow-list, route (rules, deployments, health, cache), admit
 * (the key's and team's limits, budget reservation, queue), create, with
 * the gate that admits each upstream attempt against its own target's
 * limits (deployment, provider, alias) when it starts. The generation is not
 * started, so the caller can attach its reader first; its settlement gives
 * back what admission took and it did not use.
 * Throws GatewayErrors for the client.
 * Turn memory is looked up now, while the generation is set up, and
 * re-attached for the target that gets the request.
 */
export async function createGeneration(ctx: GatewayContext, caller: Caller, request: ChatCompletionRequest, options: StartGenerationOptions): Promise<Generation> {
  assertModelAllowed(caller, request.model);
  const route = routeRequest(ctx, caller, request, routeHintsOf(options.headers ?? {}));
  // Limits count where the request really goes: the response cache's targets are no provider.
  const admission = await ctx.limits.admit(caller, request, route.options.targets.filter((target) => target.cached !== true), options);
  let generation: Generation;
  try {
    generation = build(ctx, caller, request, options, route, admission);
  } catch (error) {
    admission.settle(undefined);
    throw error;
  }
  void generation.settled.then((settlement) => admission.settle(settlement.usage));
  return generation;
}

function build(ctx: GatewayContext, caller: Caller, request: ChatCompletionRequest, options: StartGenerationOptions, route: RoutedRequest, admission: Admission): Generation {
  const recalled = recallTurns(ctx.store, ctx.logger, caller.id, request);
  const telemetry = ctx.telemetry;
  // A target at its own limits is skipped for the next when its attempt would start, like one whose breaker is open.
  const attempts = ctx.limits.attempts(request, route.options.targets);
  const generation: Generation = ctx.registry.create({
    id: options.streamId,
    request,
    ...route.options,
    retry: ctx.retry,
    encoding: options.encoding,
    resumable: options.resumable,
    lingerMs: ctx.config.streams.lingerMs,
    transport: options.transport,
    owner: caller.id,
    ownerName: caller.name,
    ownerTeam: caller.team?.name,
    prepare: recalled === null ? undefined : async (upstreamRequest, target) => attachTurns(upstreamRequest, await recalled, target.provider.id),
    observer: allObservers(turnRecorder(ctx.store, ctx.logger, caller.id, request), route.cache?.observer),
    trace: telemetry === null ? undefined : (streamId) => telemetry.startRequest({ streamId, request, api: options.encoding.api, key: caller.name, headers: options.headers }),
    gate: admission.gate,
    attempts,
    // Read as the response opens: by then a prompt admitted at a bound has its count (the headers are exact).
    limitHeaders: attempts === undefined ? () => admission.headers : () => attempts.headersFor(generation.target, admission.states),
  });
  route.cache?.lead?.(generation);
  return generation;
}

/** A chat-completions body, validated, into a generation that speaks chat completions. */
export async function createChatGeneration(ctx: GatewayContext, caller: Caller, body: unknown, options: StartChatOptions): Promise<Generation> {
  const request = parseChatRequest(body);
  return createGeneration(ctx, caller, request, { ...options, encoding: chatEncoding(request) });
}
