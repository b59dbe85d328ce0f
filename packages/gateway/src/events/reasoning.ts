/**
 * Reasoning a provider needs back, unchanged, on the next turn of a
 * conversation. On the internal request (an OpenAI chat body) an assistant
 * message may carry `reasoning_blocks: ReasoningBlock[]`, in the order the
 * blocks were produced, and a tool call may carry `signature`; both are
 * sluice-internal: a provider that has no use for them drops them before
 * the request leaves the gateway, and none is ever sent to a client as-is.
 */
export type ReasoningBlock =
  | { type: 'thinking'; text: string; signature?: string }
  | { type: 'redacted'; data: string };

/** The internal assistant-message field that carries them. */
export const REASONING_BLOCKS = 'reasoning_blocks';
