import type { ChatCompletion, ChatCompletionChunk, CompletionChoice, ToolCall, Usage } from '@sluice/protocol';
import type { LogEntry } from '../streams/log.ts';
import type { StreamSink } from '../streams/subscription.ts';

interface ChoiceState {
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  logprobs: unknown[];
}

/**
 * A sink that reads a whole stream and assembles the one JSON completion of
 * a `stream: false` request, the way the official SDKs assemble chunks.
 */
export class CompletionCollector implements StreamSink {
  readonly #choices = new Map<number, ChoiceState>();
  #id = '';
  #model = '';
  #created = 0;
  #usage: Usage | null = null;

  write(entry: LogEntry): boolean {
    if (entry.kind === 'done') this.#usage = (JSON.parse(entry.json) as { usage: Usage }).usage;
    if (entry.kind === 'chunk') this.#add(JSON.parse(entry.json) as ChatCompletionChunk);
    return true;
  }

  onDrain(): void {}
  end(): void {}

  completion(): ChatCompletion {
    const choices: CompletionChoice[] = [...this.#choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, state]) => ({
        index,
        message: {
          role: 'assistant',
          content: state.content === '' && state.toolCalls.length > 0 ? null : state.content,
          ...(state.reasoning === '' ? {} : { reasoning_content: state.reasoning }),
          ...(state.toolCalls.length === 0 ? {} : { tool_calls: state.toolCalls }),
        },
        finish_reason: state.finishReason,
        ...(state.logprobs.length === 0 ? {} : { logprobs: { content: state.logprobs } }),
      }));
    const usage = this.#usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    return { id: this.#id, object: 'chat.completion', created: this.#created, model: this.#model, choices, usage };
  }

  #add(chunk: ChatCompletionChunk): void {
    this.#id = chunk.id;
    this.#model = chunk.model;
    this.#created = chunk.created;
    for (const choice of chunk.choices) {
      let state = this.#choices.get(choice.index);
      if (state === undefined) {
        state = { content: '', reasoning: '', toolCalls: [], finishReason: null, logprobs: [] };
        this.#choices.set(choice.index, state);
      }
      const delta = choice.delta;
      if (typeof delta.content === 'string') state.content += delta.content;
      if (typeof delta.reasoning_content === 'string') state.reasoning += delta.reasoning_content;
      for (const call of delta.tool_calls ?? []) {
        const existing = state.toolCalls[call.index];
        if (existing === undefined) {
          state.toolCalls[call.index] = { id: call.id ?? '', type: 'function', function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' } };
        } else {
          if (call.id) existing.id = call.id;
          existing.function.name += call.function?.name ?? '';
          existing.function.arguments += call.function?.arguments ?? '';
        }
      }
      const logprobs = (choice.logprobs as { content?: unknown[] } | null | undefined)?.content;
      if (Array.isArray(logprobs)) state.logprobs.push(...logprobs);
      if (choice.finish_reason != null) state.finishReason = choice.finish_reason;
    }
  }
}
