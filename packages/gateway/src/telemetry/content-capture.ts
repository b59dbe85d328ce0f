import type { ChatCompletionRequest, ChatMessage } from '@sluice/protocol';
import type { StreamEvent } from '../events/stream-event.ts';

/**
 * Message content in the GenAI conventions' JSON shape, for
 * `otel.captureContent: true` only: `gen_ai.input.messages` and
 * `gen_ai.output.messages`, each a list of `{role, parts}`.
 */
type Part = { type: 'text'; content: string } | { type: 'reasoning'; content: string } | { type: 'tool_call'; id?: string; name?: string; arguments?: string } | { type: 'tool_call_response'; id?: string; response: string };

export function inputMessages(request: ChatCompletionRequest): string {
  return JSON.stringify(request.messages.map((message) => ({ role: message.role, parts: partsOf(message) })));
}

function partsOf(message: ChatMessage): Part[] {
  const parts: Part[] = [];
  const text = typeof message.content === 'string' ? message.content : (message.content ?? []).map((part) => part.text ?? '').join('');
  if (message.role === 'tool') parts.push({ type: 'tool_call_response', id: message.tool_call_id, response: text });
  else if (text !== '') parts.push({ type: 'text', content: text });
  for (const call of message.tool_calls ?? []) parts.push({ type: 'tool_call', id: call.id, name: call.function.name, arguments: call.function.arguments });
  return parts;
}

/** Collects the first choice's output as it streams. */
export class ContentCapture {
  #text = '';
  #reasoning = '';
  readonly #calls = new Map<number, { id?: string; name: string; arguments: string }>();

  observe(event: StreamEvent): void {
    if (event.type === 'content' && event.choice === 0) this.#text += event.text;
    else if (event.type === 'reasoning' && event.choice === 0) this.#reasoning += event.text;
    else if (event.type === 'tool_call' && event.choice === 0) {
      const call = this.#calls.get(event.call.index) ?? { name: '', arguments: '' };
      if (event.call.id !== undefined) call.id = event.call.id;
      call.name += event.call.function?.name ?? '';
      call.arguments += event.call.function?.arguments ?? '';
      this.#calls.set(event.call.index, call);
    }
  }

  outputMessages(finishReasons: readonly string[]): string {
    const parts: Part[] = [];
    if (this.#reasoning !== '') parts.push({ type: 'reasoning', content: this.#reasoning });
    if (this.#text !== '') parts.push({ type: 'text', content: this.#text });
    for (const call of this.#calls.values()) parts.push({ type: 'tool_call', ...call });
    return JSON.stringify([{ role: 'assistant', parts, finish_reason: finishReasons[0] ?? null }]);
  }
}
