import type { FinishReason, ToolCallDelta, Usage } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';

/**
 * The one internal event model. Every provider turns its upstream stream into
 * these; every transport turns them (through the stream log) into its wire
 * format. `choice` is the OpenAI choice index (0 unless the request set `n`).
 */
export type StreamEvent =
  | { type: 'role'; choice: number; role: 'assistant' }
  | { type: 'content'; choice: number; text: string; logprobs?: unknown }
  | { type: 'reasoning'; choice: number; text: string }
  | { type: 'tool_call'; choice: number; call: ToolCallDelta }
  | { type: 'finish'; choice: number; reason: FinishReason }
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; error: GatewayError };
