/**
 * The OpenAI chat-completions wire types that sluice speaks on both sides.
 * They are deliberately open (index signatures) where OpenAI-compatible
 * providers add fields of their own: sluice passes what it does not know.
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

export interface ChatMessage {
  role: ChatRole;
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [extra: string]: unknown;
}

export interface ChatContentPart {
  type: string;
  text?: string;
  [extra: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [extra: string]: unknown } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  tools?: unknown[];
  tool_choice?: unknown;
  user?: string;
  [extra: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** sluice: cost of this request in US dollars, from the gateway's price table. */
  cost?: number;
  /** sluice: true when the upstream sent no usage and sluice counted the tokens itself. */
  estimated?: boolean;
  /**
   * `cached_tokens`: prompt tokens read from the provider's prompt cache (OpenAI's field);
   * `cache_write_tokens` (sluice): prompt tokens written to it. Both are included in `prompt_tokens`.
   */
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [extra: string]: unknown };
  /** `reasoning_tokens`: completion tokens spent thinking, included in `completion_tokens`. */
  completion_tokens_details?: { reasoning_tokens?: number; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: ChatRole;
  content?: string | null;
  reasoning_content?: string | null;
  tool_calls?: ToolCallDelta[];
  [extra: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | (string & {});

export interface ChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
  [extra: string]: unknown;
}

export interface CompletionChoice {
  index: number;
  message: {
    role: 'assistant';
    content: string | null;
    reasoning_content?: string;
    tool_calls?: ToolCall[];
  };
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage: Usage;
  system_fingerprint?: string | null;
}

export interface ModelPrice {
  /** US dollars per million prompt tokens. */
  input: number;
  /** US dollars per million completion tokens. */
  output: number;
  /** US dollars per million prompt tokens read from the provider's cache (`input` when absent). */
  cachedInput?: number;
  /** US dollars per million prompt tokens written to the provider's cache (`input` when absent). */
  cacheWrite?: number;
}

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** sluice: US dollars per million tokens, in and out. */
  pricing: ModelPrice;
  fallbacks?: string[];
  /** sluice: an alias with several deployments lists them, and how it picks. */
  deployments?: string[];
  strategy?: string;
  /** sluice: a router model lists the aliases its rules send requests to. */
  routes?: string[];
}

export interface ModelList {
  object: 'list';
  data: ModelEntry[];
}
