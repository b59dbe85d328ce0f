import type { FinishReason, Usage } from '@sluice/protocol';
import { UpstreamProtocolError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { SseEventDecoder } from '../http/sse-upstream.ts';
import { anthropicStreamError } from './error-mapper.ts';
import type { StreamEventData, WireUsage } from './wire-types.ts';

/** Anthropic's stop reasons as OpenAI finish reasons. */
const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** The usage so far, every count known (0 until reported). */
interface KnownUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  thinking?: number;
}

interface ToolBlock {
  /** The OpenAI tool-call index: tool calls are counted apart from the other blocks. */
  toolIndex: number;
  /** Some argument text was sent; a tool block without any still owes the client "{}". */
  sentArguments: boolean;
}

/**
 * A Messages API event stream as StreamEvents. Text and thinking deltas
 * pass through; each `tool_use` block becomes the next OpenAI tool call;
 * signatures and redacted thinking close reasoning blocks; usage is
 * reported as it grows (the input at `message_start`, the cumulative
 * output at `message_delta`, overwriting); `ping` is ignored and an
 * `error` event becomes the stream's error. The assistant role is announced
 * with the first thing the client can see.
 */
export class AnthropicStreamDecoder implements SseEventDecoder {
  readonly #tools = new Map<number, ToolBlock>();
  #nextTool = 0;
  #roleSent = false;
  #done = false;
  readonly #usage: KnownUsage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

  get done(): boolean {
    return this.#done;
  }

  decode(event: string | undefined, data: string, out: StreamEvent[]): void {
    if (event === 'ping') return;
    let parsed: StreamEventData;
    try {
      parsed = JSON.parse(data) as StreamEventData;
    } catch {
      throw new UpstreamProtocolError(`Anthropic sent an event that is not JSON: ${data.slice(0, 120)}`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new UpstreamProtocolError('Anthropic sent an event that is not a JSON object.');
    switch (parsed.type ?? event) {
      case 'message_start':
        return this.#addUsage(parsed.message?.usage, out);
      case 'content_block_start':
        return this.#blockStart(parsed, out);
      case 'content_block_delta':
        return this.#blockDelta(parsed, out);
      case 'content_block_stop':
        return this.#blockStop(parsed, out);
      case 'message_delta': {
        const reason = parsed.delta?.stop_reason;
        if (typeof reason === 'string') {
          this.#role(out);
          out.push({ type: 'finish', choice: 0, reason: FINISH[reason] ?? 'stop' });
        }
        return this.#addUsage(parsed.usage, out);
      }
      case 'message_stop':
        this.#done = true;
        return;
      case 'error':
        out.push({ type: 'error', error: anthropicStreamError(parsed.error) });
        return;
      // Anthropic may add event types; those it has not documented yet are skipped, as its versioning policy asks.
    }
  }

  /** A stream that ends without `message_stop` was cut. */
  endOfBody(): boolean {
    return false;
  }

  #blockStart(parsed: StreamEventData, out: StreamEvent[]): void {
    const block = parsed.content_block;
    const index = parsed.index ?? -1;
    switch (block?.type) {
      case 'text':
        if (block.text) this.#push(out, { type: 'content', choice: 0, text: block.text });
        return;
      case 'thinking':
        if (block.thinking) this.#push(out, { type: 'reasoning', choice: 0, text: block.thinking });
        if (block.signature) this.#push(out, { type: 'reasoning_signature', choice: 0, signature: block.signature });
        return;
      case 'redacted_thinking':
        if (typeof block.data === 'string') this.#push(out, { type: 'reasoning_redacted', choice: 0, data: block.data });
        return;
      case 'tool_use': {
        const tool: ToolBlock = { toolIndex: this.#nextTool++, sentArguments: false };
        this.#tools.set(index, tool);
        // Streamed input starts as {} and arrives as deltas; input given whole at the start is sent whole.
        const input = block.input !== undefined && JSON.stringify(block.input) !== '{}' ? JSON.stringify(block.input) : '';
        tool.sentArguments = input !== '';
        this.#push(out, { type: 'tool_call', choice: 0, call: { index: tool.toolIndex, id: block.id, type: 'function', function: { name: block.name ?? '', arguments: input } } });
      }
    }
  }

  #blockDelta(parsed: StreamEventData, out: StreamEvent[]): void {
    const delta = parsed.delta;
    switch (delta?.type) {
      case 'text_delta':
        if (delta.text) this.#push(out, { type: 'content', choice: 0, text: delta.text });
        return;
      case 'thinking_delta':
        if (delta.thinking) this.#push(out, { type: 'reasoning', choice: 0, text: delta.thinking });
        return;
      case 'signature_delta':
        if (delta.signature) this.#push(out, { type: 'reasoning_signature', choice: 0, signature: delta.signature });
        return;
      case 'input_json_delta': {
        const tool = this.#tools.get(parsed.index ?? -1);
        if (tool === undefined || !delta.partial_json) return;
        tool.sentArguments = true;
        this.#push(out, { type: 'tool_call', choice: 0, call: { index: tool.toolIndex, function: { arguments: delta.partial_json } } });
      }
    }
  }

  #blockStop(parsed: StreamEventData, out: StreamEvent[]): void {
    const tool = this.#tools.get(parsed.index ?? -1);
    if (tool === undefined || tool.sentArguments) return;
    tool.sentArguments = true;
    this.#push(out, { type: 'tool_call', choice: 0, call: { index: tool.toolIndex, function: { arguments: '{}' } } });
  }

  /** Fields present overwrite what is known: message_delta counts are cumulative. */
  #addUsage(usage: WireUsage | undefined, out: StreamEvent[]): void {
    if (usage == null) return;
    const known = this.#usage;
    if (usage.input_tokens != null) known.input_tokens = usage.input_tokens;
    if (usage.output_tokens != null) known.output_tokens = usage.output_tokens;
    if (usage.cache_creation_input_tokens != null) known.cache_creation_input_tokens = usage.cache_creation_input_tokens;
    if (usage.cache_read_input_tokens != null) known.cache_read_input_tokens = usage.cache_read_input_tokens;
    if (usage.output_tokens_details?.thinking_tokens != null) known.thinking = usage.output_tokens_details.thinking_tokens;
    out.push({ type: 'usage', usage: toOpenAIUsage(known) });
  }

  #push(out: StreamEvent[], event: StreamEvent): void {
    this.#role(out);
    out.push(event);
  }

  #role(out: StreamEvent[]): void {
    if (this.#roleSent) return;
    this.#roleSent = true;
    out.push({ type: 'role', choice: 0, role: 'assistant' });
  }
}

/** Anthropic counts cached prompt tokens apart from `input_tokens`; OpenAI's prompt_tokens includes them. */
function toOpenAIUsage(known: KnownUsage): Usage {
  const prompt = known.input_tokens + known.cache_read_input_tokens + known.cache_creation_input_tokens;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: known.output_tokens, total_tokens: prompt + known.output_tokens };
  if (known.cache_read_input_tokens > 0 || known.cache_creation_input_tokens > 0) {
    usage.prompt_tokens_details = { cached_tokens: known.cache_read_input_tokens, cache_write_tokens: known.cache_creation_input_tokens };
  }
  if (known.thinking !== undefined) usage.completion_tokens_details = { reasoning_tokens: known.thinking };
  return usage;
}
