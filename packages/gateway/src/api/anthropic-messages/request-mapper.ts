import type { ChatCompletionRequest, ChatMessage } from '@sluice/protocol';
import { z } from 'zod';
import { InvalidRequestError } from '../../errors/index.ts';
import { dottedPath, requestIssue } from '../request-issue.ts';
import { unreadFields } from '../pass-through.ts';
import { systemMessage, turnToMessages } from './content-mapper.ts';
import { messagesRequest, type MessagesRequest } from './request-schema.ts';

/**
 * Fields of the Messages API that chat completions cannot say. They travel
 * under `"anthropic"` (the internal request's place for one API's own
 * fields): an upstream that speaks Messages lays them over its request,
 * every other provider leaves them out.
 */
const MESSAGES_ONLY = ['top_k', 'service_tier', 'container', 'context_management', 'mcp_servers', 'inference_geo', 'speed', 'diagnostics', 'cache_control'] as const;
export const MESSAGES_EXTRAS = 'anthropic';

/** Every field this mapper reads; the others pass through to the internal request, as on chat completions. */
const READ = new Set<string>(['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'stop_sequences', 'temperature', 'top_p', 'thinking', 'output_config', 'metadata', 'stream', ...MESSAGES_ONLY]);

/** The request, validated, or an InvalidRequestError naming the field the way Anthropic does (`messages.0.content`). */
export function parseMessagesRequest(body: unknown, schema: z.ZodType<MessagesRequest> = messagesRequest): MessagesRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object with "model", "max_tokens" and "messages".');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const { path, message } = requestIssue(result.error);
  const field = path.length === 0 ? null : dottedPath(path);
  throw new InvalidRequestError(field === null ? message : `${field}: ${message}`, field);
}

/** The Messages request as the internal request: an OpenAI chat body every provider reads. */
export function toChatRequest(request: MessagesRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  if (request.system !== undefined && request.system !== '' && !(Array.isArray(request.system) && request.system.length === 0)) messages.push(systemMessage(request.system));
  request.messages.forEach((turn, i) => messages.push(...turnToMessages(turn, i)));
  const chat: ChatCompletionRequest = { ...unreadFields(request, READ), model: request.model, messages, stream: request.stream === true };
  if (request.max_tokens !== undefined) chat.max_tokens = request.max_tokens;
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) chat.stop = request.stop_sequences;
  if (request.metadata?.user_id) chat.user = request.metadata.user_id;
  mapTools(request, chat);
  mapReasoning(request, chat);
  const format = request.output_config?.format;
  if (format != null) chat.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  const extras = messagesExtras(request);
  if (extras !== undefined) chat[MESSAGES_EXTRAS] = extras;
  return chat;
}

function mapTools(request: MessagesRequest, chat: ChatCompletionRequest): void {
  if (request.tools !== undefined && request.tools.length > 0) {
    chat.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.input_schema },
    }));
  }
  const choice = request.tool_choice;
  if (choice === undefined) return;
  switch (choice.type) {
    case 'auto':
      chat.tool_choice = 'auto';
      break;
    case 'any':
      chat.tool_choice = 'required';
      break;
    case 'tool':
      chat.tool_choice = { type: 'function', function: { name: choice.name } };
      break;
    case 'none':
      chat.tool_choice = 'none';
      break;
  }
  if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true && chat.tools !== undefined) chat.parallel_tool_calls = false;
}

/**
 * Thinking becomes the portable `reasoning_effort` (a budget's rough size,
 * or `output_config.effort`); the exact `thinking` setting also travels in
 * the extras, for an upstream that speaks Messages.
 */
function mapReasoning(request: MessagesRequest, chat: ChatCompletionRequest): void {
  const effort = request.output_config?.effort;
  if (effort != null) chat.reasoning_effort = effort === 'max' ? 'xhigh' : effort;
  else if (request.thinking?.type === 'enabled') chat.reasoning_effort = effortForBudget(request.thinking.budget_tokens);
  else if (request.thinking?.type === 'adaptive') chat.reasoning_effort = 'medium';
}

function effortForBudget(budget: number): string {
  if (budget < 4096) return 'low';
  if (budget < 16384) return 'medium';
  return 'high';
}

function messagesExtras(request: MessagesRequest): Record<string, unknown> | undefined {
  const extras: Record<string, unknown> = {};
  if (request.thinking !== undefined) extras.thinking = request.thinking;
  const given = request as Record<string, unknown>;
  for (const key of MESSAGES_ONLY) if (given[key] !== undefined) extras[key] = given[key];
  return Object.keys(extras).length === 0 ? undefined : extras;
}
