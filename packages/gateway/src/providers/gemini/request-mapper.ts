import type { ChatCompletionRequest } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { withExtras } from '../translation/extras.ts';
import { thinkingBudgetFor, type ThinkingBudgets } from '../translation/reasoning-effort.ts';
import { checkTranslatable } from '../translation/request-fields.ts';
import { UntranslatableError } from '../translation/untranslatable.ts';
import { toGeminiContents } from './content-mapper.ts';
import { toGeminiSchema } from './schema-cleaner.ts';
import type { FunctionDeclaration, GenerateContentRequest, GenerationConfig } from './wire-types.ts';

/** The fields of an OpenAI chat request this mapper turns into Gemini fields. */
const TRANSLATED = new Set(['model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'n', 'seed', 'presence_penalty', 'frequency_penalty', 'tools', 'tool_choice', 'reasoning_effort', 'response_format']);

export interface GeminiRequestOptions {
  thinkingBudgets: ThinkingBudgets;
}

/**
 * An OpenAI chat request as a Gemini generateContent request. Whatever
 * cannot be said to Gemini faithfully is refused with a 400 naming the
 * field; extras under `"gemini"` are laid over the result.
 */
export function toGenerateContentRequest(request: ChatCompletionRequest, options: GeminiRequestOptions): GenerateContentRequest {
  checkTranslatable(request, TRANSLATED, 'gemini', 'Gemini');
  const { systemInstruction, contents } = toGeminiContents(request.messages);
  const body: GenerateContentRequest = { contents };
  if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
  if (request.tools !== undefined && request.tools.length > 0) body.tools = [{ functionDeclarations: request.tools.map(toDeclaration) }];
  const mode = toCallingMode(request.tool_choice);
  if (mode !== undefined) body.toolConfig = { functionCallingConfig: mode };
  const config = generationConfig(request, options);
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return withExtras(body, request.gemini, 'gemini') as GenerateContentRequest;
}

function generationConfig(request: ChatCompletionRequest, options: GeminiRequestOptions): GenerationConfig {
  const config: GenerationConfig = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (request.stop != null) config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.n != null && request.n !== 1) config.candidateCount = request.n;
  if (typeof request.seed === 'number') config.seed = request.seed;
  if (typeof request.presence_penalty === 'number' && request.presence_penalty !== 0) config.presencePenalty = request.presence_penalty;
  if (typeof request.frequency_penalty === 'number' && request.frequency_penalty !== 0) config.frequencyPenalty = request.frequency_penalty;
  const budget = thinkingBudgetFor(request, options.thinkingBudgets);
  // Thoughts are shown (as reasoning_content) when the client asks for reasoning.
  if (budget !== undefined) config.thinkingConfig = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
  Object.assign(config, responseFormat(request.response_format));
  return config;
}

function toDeclaration(tool: unknown, i: number): FunctionDeclaration {
  const field = `tools[${i}]`;
  const { type, function: fn } = tool as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } };
  if (type !== 'function') throw new UntranslatableError(`${field}.type`, `Gemini takes function tools, not ${JSON.stringify(type)}`);
  if (fn === undefined || typeof fn.name !== 'string') throw new InvalidRequestError(`${field}.function.name: required`, `${field}.function.name`);
  const out: FunctionDeclaration = { name: fn.name };
  if (typeof fn.description === 'string') out.description = fn.description;
  if (fn.parameters !== undefined) {
    const parameters = toGeminiSchema(fn.parameters, `${field}.function.parameters`);
    // Gemini refuses an object schema without properties: a function without parameters has none.
    if (Object.keys((parameters.properties as object | undefined) ?? {}).length > 0) out.parameters = parameters;
  }
  return out;
}

/** auto, none, required (`ANY`) or one named function (`ANY` limited to it). */
function toCallingMode(choice: unknown): { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  const name = (choice as { type?: unknown; function?: { name?: unknown } }).function?.name;
  if ((choice as { type?: unknown }).type !== 'function' || typeof name !== 'string') throw new UntranslatableError('tool_choice', 'must be "auto", "none", "required" or {"type": "function", "function": {"name"}}');
  return { mode: 'ANY', allowedFunctionNames: [name] };
}

function responseFormat(format: unknown): Pick<GenerationConfig, 'responseMimeType' | 'responseSchema'> {
  if (format == null) return {};
  const type = (format as { type?: unknown }).type;
  if (type === 'text') return {};
  if (type === 'json_object') return { responseMimeType: 'application/json' };
  if (type === 'json_schema') {
    const schema = (format as { json_schema?: { schema?: unknown } }).json_schema?.schema;
    if (schema === undefined) throw new InvalidRequestError('response_format.json_schema.schema: required', 'response_format.json_schema.schema');
    return { responseMimeType: 'application/json', responseSchema: toGeminiSchema(schema, 'response_format.json_schema.schema') };
  }
  throw new UntranslatableError('response_format', `Gemini has no ${JSON.stringify(type)} format`);
}
