/**
 * What the fake Anthropic answers to one request, in the Messages API's own
 * terms: the content blocks it streams, the stop reason and usage it
 * reports, and the faults it suffers on the way.
 */
export type ScriptBlock =
  /** Text, streamed word by word, or exactly in the given deltas. */
  | { type: 'text'; text: string | string[] }
  /** A thinking block, streamed, then signed with a signature_delta. */
  | { type: 'thinking'; thinking: string | string[] }
  | { type: 'redacted_thinking' }
  /** A tool call; its input streamed as `chunks` of JSON (default: the JSON in two halves; [] sends no delta at all). */
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; chunks?: string[] };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface AnthropicScript {
  blocks?: ScriptBlock[];
  /** Default: `tool_use` when a block calls a tool, else `end_turn`. */
  stopReason?: string;
  /** Default: input from the request's size, output from the deltas sent. */
  usage?: AnthropicUsage;
  /** Between one event and the next. */
  delayMs?: number;
  /** Answer this HTTP status with an Anthropic error body instead of a stream. */
  status?: number;
  errorType?: string;
  errorMessage?: string;
  headers?: Record<string, string>;
  /** An `event: error` after this many text, thinking or argument deltas. */
  streamError?: { type: string; message?: string; afterDeltas: number };
  /** Close the connection after this many deltas. */
  dropAfterDeltas?: number;
  /** Go silent, connection open, after this many deltas. */
  stallAfterDeltas?: number;
}

/** What a request is answered with: a fixed script, or one made from the request. */
export type ScriptSource = AnthropicScript | ((body: Record<string, unknown>) => AnthropicScript);
