import type { ChatCompletionRequest } from '@sluice/protocol';
import type { RouteTarget } from '../../routing/router.ts';
import { countTokens } from '../../streams/token-counter.ts';
import { countPromptTokens } from '../../streams/usage-meter.ts';

/**
 * `count_tokens`: exact when the request's first target counts tokens
 * itself, else the gateway's tokenizer over everything the model reads
 * (messages, tool calls and their arguments, tool definitions).
 */
export async function countInputTokens(request: ChatCompletionRequest, target: RouteTarget, signal: AbortSignal): Promise<number> {
  const upstream = { ...request, model: target.upstreamModel };
  if (target.provider.countTokens !== undefined) return target.provider.countTokens(upstream, signal);
  let extra = '';
  for (const message of request.messages) for (const call of message.tool_calls ?? []) extra += `${call.function.name}\n${call.function.arguments}\n`;
  if (request.tools !== undefined) extra += JSON.stringify(request.tools);
  return countPromptTokens(request) + (extra === '' ? 0 : countTokens(extra));
}

/**
 * A rough count for `message_start`, made without the tokenizer (whose cost
 * grows with the prompt and would delay the first event): about four
 * characters a token. The exact count follows in `message_delta`.
 */
export function roughInputTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    if (typeof message.content === 'string') chars += message.content.length;
    else if (Array.isArray(message.content)) for (const part of message.content) if (typeof part.text === 'string') chars += part.text.length;
  }
  return Math.ceil(chars / 4) + 3 * request.messages.length;
}
