import type { FinishReason, ToolCallDelta, Usage } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';

/**
 * The one internal event model. Every provider turns its upstream stream into
 * these; every transport and inbound API turns them (through the stream log)
 * into its wire format. `choice` is the OpenAI choice index (0 unless the
 * request set `n`).
 *
 * Reasoning comes as blocks: `reasoning` text deltas, closed by a
 * `reasoning_signature` when the provider signs the block (a new `reasoning`
 * after a signature opens the next block). A `reasoning_redacted` block is
 * reasoning the provider returns only encrypted. Signatures and redacted data
 * are opaque: a provider needs them back unchanged on the next turn (see
 * `ReasoningBlock`), so no encoder may alter them.
 */
export type StreamEvent =
  | { type: 'role'; choice: number; role: 'assistant' }
  | { type: 'content'; choice: number; text: string; logprobs?: unknown }
  | { type: 'reasoning'; choice: number; text: string }
  | { type: 'reasoning_signature'; choice: number; signature: string }
  | { type: 'reasoning_redacted'; choice: number; data: string }
  /** `signature`: an opaque signature the provider attached to this call and needs back with it. */
  | { type: 'tool_call'; choice: number; call: ToolCallDelta; signature?: string }
  | { type: 'finish'; choice: number; reason: FinishReason }
  | { type: 'usage'; usage: Usage }
  | { type: 'error'; error: GatewayError };
