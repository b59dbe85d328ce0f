import type { FinishReason, Usage } from '@sluice/protocol';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { EventEncoder, FrameWriter } from '../../streams/event-encoder.ts';
import { clientToolCallId } from '../tool-call-id.ts';
import { messagesError } from './errors.ts';
import { messagesUsage, stopReason } from './stop-and-usage.ts';

type OpenBlock = { kind: 'text' } | { kind: 'redacted' } | { kind: 'thinking'; signed: boolean } | { kind: 'tool'; call: number };

export interface MessagesEncoderOptions {
  messageId: string;
  /** The model name the client asked for. */
  model: string;
  /** Input tokens for `message_start` when the upstream has not said yet; the exact count follows in `message_delta`. */
  estimateInputTokens(): number;
}

/**
 * StreamEvents as Anthropic's Messages stream: `message_start`, then one
 * block after another (`content_block_start`, deltas, `content_block_stop`,
 * with their indices), `message_delta` with the stop reason and the whole
 * usage, `message_stop`. Every frame's body starts with its `type`, which
 * the SSE dialect names the event by.
 *
 * Reasoning is a `thinking` block whose signature (`signature_delta`)
 * closes it; a reasoning delta after a signature opens the next one.
 */
export class MessagesEncoder implements EventEncoder {
  readonly #options: MessagesEncoderOptions;
  #started = false;
  #open: OpenBlock | null = null;
  #index = -1;
  /** `{"type":"content_block_delta","index":N,"delta":` of the open block. */
  #deltaHead = '';
  #finish: FinishReason | null = null;
  /** A usage the upstream sent before the first block (the input count, at the start). */
  #early: Usage | undefined;

  constructor(options: MessagesEncoderOptions) {
    this.#options = options;
  }

  encode(event: StreamEvent, out: FrameWriter): void {
    // Messages has one answer per request; other choices cannot be asked for.
    if ('choice' in event && event.choice !== 0) return;
    switch (event.type) {
      case 'content':
        if (event.text === '') return;
        if (this.#open?.kind !== 'text') this.#openBlock({ kind: 'text' }, '{"type":"text","text":""}', out);
        return out.chunk(`${this.#deltaHead}{"type":"text_delta","text":${JSON.stringify(event.text)}}}`);
      case 'reasoning':
        if (this.#open?.kind !== 'thinking' || this.#open.signed) this.#openBlock({ kind: 'thinking', signed: false }, '{"type":"thinking","thinking":"","signature":""}', out);
        return out.chunk(`${this.#deltaHead}{"type":"thinking_delta","thinking":${JSON.stringify(event.text)}}}`);
      case 'reasoning_signature': {
        const open = this.#open;
        if (open?.kind === 'thinking' && !open.signed) open.signed = true;
        else this.#openBlock({ kind: 'thinking', signed: true }, '{"type":"thinking","thinking":"","signature":""}', out);
        return out.chunk(`${this.#deltaHead}{"type":"signature_delta","signature":${JSON.stringify(event.signature)}}}`);
      }
      case 'reasoning_redacted':
        this.#openBlock({ kind: 'redacted' }, JSON.stringify({ type: 'redacted_thinking', data: event.data }), out);
        return this.#closeBlock(out);
      case 'tool_call':
        return this.#toolCall(event, out);
      case 'finish':
        this.#finish = event.reason;
        return this.#closeBlock(out);
      case 'role':
        return this.#start(out);
      case 'usage':
        if (!this.#started) this.#early = event.usage;
        return;
      case 'error':
        return;
    }
  }

  finish(usage: Usage, out: FrameWriter): void {
    this.#closeBlock(out);
    this.#start(out);
    const delta = { type: 'message_delta', delta: { stop_reason: stopReason(this.#finish), stop_sequence: null }, usage: messagesUsage(usage) };
    out.chunk(JSON.stringify(delta));
    out.done('{"type":"message_stop"}');
  }

  fail(error: GatewayError, out: FrameWriter): void {
    out.error(JSON.stringify(messagesError(error)));
  }

  /**
   * Upstreams stream tool calls one after another, as Messages blocks must
   * come; a call's first delta names it, the later ones add arguments.
   */
  #toolCall(event: Extract<StreamEvent, { type: 'tool_call' }>, out: FrameWriter): void {
    const call = event.call;
    if (this.#open?.kind !== 'tool' || this.#open.call !== call.index) {
      const id = clientToolCallId(call.id ?? `toolu_${this.#options.messageId}_${call.index}`, event.signature);
      this.#openBlock({ kind: 'tool', call: call.index }, JSON.stringify({ type: 'tool_use', id, name: call.function?.name ?? '', input: {} }), out);
    }
    const args = call.function?.arguments;
    if (args) out.chunk(`${this.#deltaHead}{"type":"input_json_delta","partial_json":${JSON.stringify(args)}}}`);
  }

  #start(out: FrameWriter): void {
    if (this.#started) return;
    this.#started = true;
    const early = this.#early;
    const usage = messagesUsage(early ?? { prompt_tokens: this.#options.estimateInputTokens(), completion_tokens: 0 });
    const message = { id: this.#options.messageId, type: 'message', role: 'assistant', model: this.#options.model, content: [], stop_reason: null, stop_sequence: null, usage };
    out.chunk(JSON.stringify({ type: 'message_start', message }));
  }

  /** Close the open block and start the next. */
  #openBlock(block: OpenBlock, contentBlock: string, out: FrameWriter): void {
    this.#closeBlock(out);
    this.#start(out);
    this.#index++;
    this.#open = block;
    this.#deltaHead = `{"type":"content_block_delta","index":${this.#index},"delta":`;
    out.chunk(`{"type":"content_block_start","index":${this.#index},"content_block":${contentBlock}}`);
  }

  #closeBlock(out: FrameWriter): void {
    if (this.#open === null) return;
    this.#open = null;
    out.chunk(`{"type":"content_block_stop","index":${this.#index}}`);
  }
}
