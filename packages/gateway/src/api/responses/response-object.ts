import type { Usage } from '@sluice/protocol';
import type { ResponsesRequest } from './request-schema.ts';

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The `response` object, as the API returns it and its stream events carry it. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  output: unknown[];
  usage: ResponsesUsage | null;
  completed_at: number | null;
  [field: string]: unknown;
}

/** What a response echoes of its request: the same in every event and in the stored response. */
export type ResponseEcho = Record<string, unknown>;

/** The request's settings as the response echoes them, OpenAI's defaults filled in. */
export function responseEcho(request: ResponsesRequest): ResponseEcho {
  return {
    background: false,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    model: request.model,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' }, ...(request.text?.verbosity == null ? {} : { verbosity: request.text.verbosity }) },
    tool_choice: request.tool_choice ?? 'auto',
    tools: (request.tools ?? []).map((tool) => ({ ...tool, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null })),
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? 'disabled',
    user: request.user ?? null,
  };
}

/** A response in a given state; `output` and `usage` as they stand. */
export function responseObject(id: string, createdAt: number, echo: ResponseEcho, state: Pick<ResponseObject, 'status' | 'output' | 'usage'> & Partial<ResponseObject>): ResponseObject {
  return { id, object: 'response', created_at: createdAt, error: null, incomplete_details: null, completed_at: null, ...echo, ...state };
}

/** Responses usage from the internal one; both count cached tokens within the input. */
export function responsesUsage(usage: Usage): ResponsesUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}
