/**
 * The parts of Anthropic's Messages API that sluice sends and reads, from
 * its API reference (docs.anthropic.com/en/api/messages and
 * /en/docs/build-with-claude/streaming).
 */

export type ImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

/** A prompt-cache breakpoint: the prompt up to and including this block is cached. */
export type CacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h' };

export type TextBlock = { type: 'text'; text: string; cache_control?: CacheControl };

export type ContentBlock =
  | TextBlock
  | { type: 'image'; source: ImageSource }
  | { type: 'document'; source: { type: 'base64'; media_type: string; data: string } }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string | ContentBlock[]; is_error?: boolean; cache_control?: CacheControl };

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface ToolParam {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean } | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  stream: true;
  system?: string | TextBlock[];
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  tools?: ToolParam[];
  tool_choice?: ToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
  metadata?: { user_id: string };
  [extra: string]: unknown;
}

/** `usage` in message_start (all of it) and message_delta (cumulative; any field may be absent or null). */
export interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number } | null;
}

export interface WireError {
  type?: string;
  message?: string;
}

/** One streamed event's data; `type` names it, the rest depends on it. */
export interface StreamEventData {
  type: string;
  index?: number;
  message?: { usage?: WireUsage };
  content_block?: { type: string; id?: string; name?: string; input?: unknown; text?: string; thinking?: string; signature?: string; data?: string };
  delta?: { type?: string; text?: string; thinking?: string; signature?: string; partial_json?: string; stop_reason?: string | null };
  usage?: WireUsage;
  error?: WireError;
}
