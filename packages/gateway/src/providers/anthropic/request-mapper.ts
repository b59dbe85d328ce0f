import type { ChatCompletionRequest } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { withExtras, isPlainObject } from '../translation/extras.ts';
import { thinkingBudgetFor, type ThinkingBudgets } from '../translation/reasoning-effort.ts';
import { checkTranslatable } from '../translation/request-fields.ts';
import { UntranslatableError } from '../translation/untranslatable.ts';
import { toAnthropicMessages } from './message-mapper.ts';
import type { MessagesRequest, ToolChoice, ToolParam } from './wire-types.ts';

/** The fields of an OpenAI chat request this mapper turns into Messages API fields. */
const TRANSLATED = new Set(['model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning_effort', 'response_format', 'user']);

/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1_024;

export interface AnthropicRequestOptions {
  /** `max_tokens` when the request sets none. */
  defaultMaxTokens: number;
  thinkingBudgets: ThinkingBudgets;
}

/**
 * An OpenAI chat request as a streaming Messages API request. Whatever
 * cannot be said to Anthropic faithfully is refused with a 400 naming the
 * field; extras under `"anthropic"` are laid over the result.
 */
export function toMessagesRequest(request: ChatCompletionRequest, options: AnthropicRequestOptions): MessagesRequest {
  checkTranslatable(request, TRANSLATED, 'anthropic', 'Anthropic');
  const { system, messages } = toAnthropicMessages(request.messages);
  const asked = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const budget = thinkingBudgetFor(request, options.thinkingBudgets);
  const thinking = budget !== undefined && budget > 0;
  const body: MessagesRequest = { model: request.model, max_tokens: asked ?? options.defaultMaxTokens, messages, stream: true };
  if (system !== undefined) body.system = system;
  if (thinking) {
    // Thinking counts against max_tokens: a default leaves the answer its usual room, a limit the client set is kept.
    const budgetTokens = asked === undefined ? budget : Math.min(budget, asked - 1);
    if (budgetTokens < MIN_THINKING_BUDGET) throw new UntranslatableError(request.max_completion_tokens == null ? 'max_tokens' : 'max_completion_tokens', `reasoning on Anthropic needs more than ${MIN_THINKING_BUDGET} tokens`);
    if (asked === undefined) body.max_tokens += budgetTokens;
    body.thinking = { type: 'enabled', budget_tokens: budgetTokens };
  }
  copySampling(request, body, thinking);
  if (request.stop != null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools.map(toTool);
  const choice = toToolChoice(request, thinking);
  if (choice !== undefined) body.tool_choice = choice;
  const format = toOutputFormat(request.response_format);
  if (format !== undefined) body.output_config = { format };
  if (typeof request.user === 'string' && request.user !== '') body.metadata = { user_id: request.user };
  return withExtras(body, request.anthropic, 'anthropic') as MessagesRequest;
}

/** temperature and top_p, within what Anthropic accepts (and what it accepts while thinking). */
function copySampling(request: ChatCompletionRequest, body: MessagesRequest, thinking: boolean): void {
  const { temperature, top_p: topP } = request;
  if (temperature != null) {
    if (temperature > 1) throw new UntranslatableError('temperature', 'Anthropic accepts 0 to 1');
    if (thinking && temperature !== 1) throw new UntranslatableError('temperature', 'Anthropic thinks only at temperature 1; leave it out with reasoning_effort');
    body.temperature = temperature;
  }
  if (topP != null) {
    if (thinking && topP < 0.95) throw new UntranslatableError('top_p', 'Anthropic thinks only with top_p from 0.95 to 1');
    body.top_p = topP;
  }
}

function toTool(tool: unknown, i: number): ToolParam {
  const field = `tools[${i}]`;
  const { type, function: fn } = tool as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown } };
  if (type !== 'function') throw new UntranslatableError(`${field}.type`, `Anthropic takes function tools, not ${JSON.stringify(type)}`);
  if (fn === undefined || typeof fn.name !== 'string') throw new InvalidRequestError(`${field}.function.name: required`, `${field}.function.name`);
  const parameters = fn.parameters ?? { type: 'object', properties: {} };
  if (!isPlainObject(parameters)) throw new InvalidRequestError(`${field}.function.parameters: must be a JSON Schema object`, `${field}.function.parameters`);
  const out: ToolParam = { name: fn.name, input_schema: parameters };
  if (typeof fn.description === 'string') out.description = fn.description;
  if (fn.strict === true) out.strict = true;
  return out;
}

/** auto, none, required (`any`) or one named function (`tool`); `parallel_tool_calls: false` disables parallel use. */
function toToolChoice(request: ChatCompletionRequest, thinking: boolean): ToolChoice | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice == null) return request.parallel_tool_calls === false ? { type: 'auto', ...serial } : undefined;
  let mapped: ToolChoice;
  if (choice === 'auto') mapped = { type: 'auto', ...serial };
  else if (choice === 'none') mapped = { type: 'none' };
  else if (choice === 'required') mapped = { type: 'any', ...serial };
  else {
    const name = (choice as { type?: unknown; function?: { name?: unknown } }).function?.name;
    if ((choice as { type?: unknown }).type !== 'function' || typeof name !== 'string') throw new UntranslatableError('tool_choice', 'must be "auto", "none", "required" or {"type": "function", "function": {"name"}}');
    mapped = { type: 'tool', name, ...serial };
  }
  if (thinking && (mapped.type === 'any' || mapped.type === 'tool')) throw new UntranslatableError('tool_choice', 'Anthropic cannot force a tool while thinking; use "auto" with reasoning_effort');
  return mapped;
}

/** `json_schema` is Anthropic's structured output; plain JSON mode has no equivalent. */
function toOutputFormat(format: unknown): { type: 'json_schema'; schema: Record<string, unknown> } | undefined {
  if (format == null) return undefined;
  const type = (format as { type?: unknown }).type;
  if (type === 'text') return undefined;
  if (type === 'json_schema') {
    const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema;
    if (!isPlainObject(schema)) throw new InvalidRequestError('response_format.json_schema.schema: required', 'response_format.json_schema.schema');
    return { type: 'json_schema', schema };
  }
  throw new UntranslatableError('response_format', `Anthropic has structured output (json_schema) but no ${JSON.stringify(type)} mode`);
}
