import { randomBytes } from 'node:crypto';
import type { FinishReason, Usage } from '@sluice/protocol';
import { ContentFilterError, UpstreamProtocolError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { SseEventDecoder } from '../http/sse-upstream.ts';
import { geminiError } from './error-mapper.ts';
import type { GenerateContentResponse, Part, UsageMetadata } from './wire-types.ts';

/** Gemini's finish reasons as OpenAI's; a candidate that called functions finishes with `tool_calls`. */
const FINISH: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
};

interface CandidateState {
  roleSent: boolean;
  toolCalls: number;
  finished: boolean;
}

/**
 * Gemini's `GenerateContentResponse` chunks (each SSE `data:` of
 * streamGenerateContent, or the one answer of generateContent) as
 * StreamEvents. `thought` parts are reasoning; function calls arrive whole
 * and without ids, so each gets a fresh `call_…` id, and its
 * `thoughtSignature` rides on its tool-call event; a signature on any other
 * part closes the reasoning block. Text and calls in one `parts[]` are
 * both kept, in order. Usage is cumulative and overwritten.
 */
export class GeminiChunkDecoder implements SseEventDecoder {
  readonly #candidates = new Map<number, CandidateState>();
  #blocked = false;

  /** Gemini's stream has no end marker: the body's end is its end. */
  get done(): boolean {
    return this.#blocked;
  }

  decode(_event: string | undefined, data: string, out: StreamEvent[]): void {
    let chunk: GenerateContentResponse;
    try {
      chunk = JSON.parse(data) as GenerateContentResponse;
    } catch {
      throw new UpstreamProtocolError(`Gemini sent a chunk that is not JSON: ${data.slice(0, 120)}`);
    }
    this.decodeChunk(chunk, out);
  }

  decodeChunk(chunk: GenerateContentResponse, out: StreamEvent[]): void {
    if (typeof chunk !== 'object' || chunk === null) throw new UpstreamProtocolError('Gemini sent a chunk that is not a JSON object.');
    if (chunk.error !== undefined) {
      out.push({ type: 'error', error: geminiError(chunk.error.code ?? 500, {}, chunk.error) });
      return;
    }
    const blockReason = chunk.promptFeedback?.blockReason;
    if (blockReason !== undefined && (chunk.candidates ?? []).length === 0) {
      this.#blocked = true;
      const detail = chunk.promptFeedback?.blockReasonMessage;
      out.push({ type: 'error', error: new ContentFilterError(`Gemini blocked the prompt (${blockReason})${detail ? `: ${detail}` : ''}.`) });
      return;
    }
    for (const candidate of chunk.candidates ?? []) {
      const index = candidate.index ?? 0;
      let state = this.#candidates.get(index);
      if (state === undefined) this.#candidates.set(index, (state = { roleSent: false, toolCalls: 0, finished: false }));
      for (const part of candidate.content?.parts ?? []) this.#part(part, index, state, out);
      if (candidate.finishReason !== undefined && candidate.finishReason !== 'FINISH_REASON_UNSPECIFIED') {
        state.finished = true;
        const reason = state.toolCalls > 0 && candidate.finishReason === 'STOP' ? 'tool_calls' : (FINISH[candidate.finishReason] ?? 'stop');
        this.#push(out, index, state, { type: 'finish', choice: index, reason });
      }
    }
    if (chunk.usageMetadata !== undefined) out.push({ type: 'usage', usage: toOpenAIUsage(chunk.usageMetadata) });
  }

  /** Complete when every candidate that started has finished. */
  endOfBody(): boolean {
    if (this.#candidates.size === 0) return false;
    for (const state of this.#candidates.values()) if (!state.finished) return false;
    return true;
  }

  #part(part: Part, choice: number, state: CandidateState, out: StreamEvent[]): void {
    const signature = typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined;
    if (part.functionCall !== undefined) {
      const call = part.functionCall;
      const id = typeof call.id === 'string' && call.id !== '' ? call.id : mintCallId();
      const event: StreamEvent = { type: 'tool_call', choice, call: { index: state.toolCalls++, id, type: 'function', function: { name: call.name ?? '', arguments: JSON.stringify(call.args ?? {}) } } };
      if (signature !== undefined) event.signature = signature;
      return this.#push(out, choice, state, event);
    }
    if (typeof part.text === 'string' && part.text !== '') this.#push(out, choice, state, { type: part.thought === true ? 'reasoning' : 'content', choice, text: part.text });
    if (signature !== undefined) this.#push(out, choice, state, { type: 'reasoning_signature', choice, signature });
  }

  #push(out: StreamEvent[], choice: number, state: CandidateState, event: StreamEvent): void {
    if (!state.roleSent) {
      state.roleSent = true;
      out.push({ type: 'role', choice, role: 'assistant' });
    }
    out.push(event);
  }
}

/** A tool-call id for a call Gemini gave none: random, so turn memory keyed by it cannot collide. */
function mintCallId(): string {
  return `call_${randomBytes(18).toString('base64url')}`;
}

/** Thoughts are billed as output: OpenAI's completion_tokens include them, as reasoning_tokens. */
function toOpenAIUsage(meta: UsageMetadata): Usage {
  const prompt = (meta.promptTokenCount ?? 0) + (meta.toolUsePromptTokenCount ?? 0);
  const thoughts = meta.thoughtsTokenCount ?? 0;
  const completion = (meta.candidatesTokenCount ?? 0) + thoughts;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (meta.cachedContentTokenCount) usage.prompt_tokens_details = { cached_tokens: meta.cachedContentTokenCount };
  if (meta.thoughtsTokenCount !== undefined) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}
