import type { ChatCompletionRequest, ChatMessage } from '@sluice/protocol';
import { formatPath } from '../../config/zod-path.ts';
import { InvalidRequestError } from '../../errors/index.ts';
import { requestIssue } from '../request-issue.ts';
import { unreadFields } from '../pass-through.ts';
import { itemsToMessages } from './input-mapper.ts';
import { responsesRequest, type ResponsesRequest } from './request-schema.ts';

/** Every field this mapper reads; the others pass through to the internal request, as on chat completions. */
const READ = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'temperature', 'top_p', 'reasoning', 'text', 'stream',
  'store', 'previous_response_id', 'include', 'metadata', 'user', 'truncation', 'background', 'conversation', 'prompt', 'top_logprobs', 'stream_options',
]);

/** The request, validated, or an InvalidRequestError naming the field the way OpenAI does (`input[0].content`). */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object with "model" and "input".');
  const result = responsesRequest.safeParse(body);
  if (result.success) return result.data;
  const { path, message } = requestIssue(result.error);
  const field = path.length === 0 ? null : formatPath(path);
  throw new InvalidRequestError(field === null ? message : `${field}: ${message}`, field);
}

/**
 * The conversation a request adds to: what came before (the stored
 * conversation of `previous_response_id`) and its own input, without
 * instructions, which apply to one response only.
 */
export function conversationOf(request: ResponsesRequest, previous: readonly ChatMessage[]): ChatMessage[] {
  const input = typeof request.input === 'string' ? [{ role: 'user' as const, content: request.input }] : itemsToMessages(request.input);
  return [...previous, ...input];
}

/** The internal request: an OpenAI chat body every provider reads. */
export function toChatRequest(request: ResponsesRequest, conversation: readonly ChatMessage[]): ChatCompletionRequest {
  const messages = request.instructions ? [{ role: 'system' as const, content: request.instructions }, ...conversation] : [...conversation];
  if (messages.length === 0) throw new InvalidRequestError('input: give at least one input item', 'input');
  const chat: ChatCompletionRequest = { ...unreadFields(request, READ), model: request.model, messages, stream: request.stream === true };
  if (request.max_output_tokens != null) chat.max_tokens = request.max_output_tokens;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.user !== undefined) chat.user = request.user;
  if (request.reasoning?.effort != null) chat.reasoning_effort = request.reasoning.effort;
  if (request.tools !== undefined && request.tools.length > 0) {
    chat.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description == null ? {} : { description: tool.description }), ...(tool.parameters == null ? {} : { parameters: tool.parameters }), ...(tool.strict == null ? {} : { strict: tool.strict }) },
    }));
    if (request.parallel_tool_calls != null) chat.parallel_tool_calls = request.parallel_tool_calls;
  }
  const choice = request.tool_choice;
  if (choice !== undefined) chat.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
  const format = request.text?.format;
  if (format?.type === 'json_object') chat.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    const { name, schema, description, strict } = format;
    chat.response_format = { type: 'json_schema', json_schema: { name, schema, ...(description === undefined ? {} : { description }), ...(strict == null ? {} : { strict }) } };
  }
  if (request.text?.verbosity != null) chat.verbosity = request.text.verbosity;
  const topLogprobs = (request as { top_logprobs?: unknown }).top_logprobs;
  if (typeof topLogprobs === 'number') Object.assign(chat, { logprobs: true, top_logprobs: topLogprobs });
  return chat;
}
