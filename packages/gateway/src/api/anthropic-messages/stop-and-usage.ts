import type { FinishReason, Usage } from '@sluice/protocol';

/** Anthropic's usage object, from the internal one. */
export interface MessagesUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * Anthropic counts cache reads and cache writes apart from `input_tokens`;
 * OpenAI's `prompt_tokens` (the internal count) includes both.
 */
export function messagesUsage(usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens' | 'prompt_tokens_details'>): MessagesUsage {
  const read = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.prompt_tokens - read - written),
    output_tokens: usage.completion_tokens,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read,
  };
}

const STOP_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};
const ANTHROPIC_STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);

/** The Messages `stop_reason` for an internal finish reason (an upstream's own Messages reason passes as it is). */
export function stopReason(finish: FinishReason | null): string {
  if (finish === null) return 'end_turn';
  return STOP_REASONS[finish] ?? (ANTHROPIC_STOP_REASONS.has(finish) ? finish : 'end_turn');
}
