import type { ChatCompletionRequest, ChatMessage, ToolCall } from '@sluice/protocol';
import { PROVIDER_TYPES, type ProviderType } from '../config/schema.ts';
import { REASONING_BLOCKS } from '../events/reasoning.ts';

/**
 * The body keys that carry one provider type's extras (`"gemini": {…}`)
 * other than `own`'s: a provider leaves them out of what it sends. An
 * OpenAI-compatible upstream keeps `sim`, which steers the HTTP simulator.
 */
export function foreignExtrasKeys(own: ProviderType): readonly string[] {
  return PROVIDER_TYPES.filter((type) => type !== own && !(own === 'openai-compatible' && type === 'sim'));
}

/**
 * The request without what only sluice and other providers read: the
 * reasoning blocks and tool-call signatures re-attached for providers that
 * need them back, and other provider types' extras. The request is copied
 * only when it carries any of them.
 */
export function withoutInternalFields(request: ChatCompletionRequest, foreignKeys: readonly string[]): ChatCompletionRequest {
  const foreign = foreignKeys.filter((key) => key in request);
  const internal = request.messages.some(carriesInternalFields);
  if (foreign.length === 0 && !internal) return request;
  const copy: ChatCompletionRequest = { ...request };
  for (const key of foreign) delete copy[key];
  if (internal) copy.messages = request.messages.map((message) => (carriesInternalFields(message) ? stripMessage(message) : message));
  return copy;
}

function carriesInternalFields(message: ChatMessage): boolean {
  return REASONING_BLOCKS in message || (message.tool_calls?.some((call) => 'signature' in call) ?? false);
}

function stripMessage(message: ChatMessage): ChatMessage {
  const { [REASONING_BLOCKS]: _blocks, ...rest } = message;
  return rest.tool_calls === undefined ? rest : { ...rest, tool_calls: rest.tool_calls.map(withoutSignature) };
}

function withoutSignature(call: ToolCall & { signature?: unknown }): ToolCall {
  const { signature: _signature, ...plain } = call;
  return plain;
}
