/**
 * Folds chunks into what `stream.final()` returns: the text, reasoning and
 * tool calls of the first choice, the finish reason, the model and usage.
 */
import type { ChatCompletionChunk, FinishReason, ToolCall, Usage } from '@sluice/protocol';

export class Accumulator {
  text = '';
  reasoning = '';
  finishReason: FinishReason | null = null;
  model: string | null = null;
  usage: Usage | null = null;
  /** Chunks that carried generated output: the live estimate of completion tokens. */
  outputChunks = 0;
  readonly #toolCalls: ToolCall[] = [];

  add(chunk: ChatCompletionChunk): void {
    this.model ??= chunk.model || null;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) return;
    const { delta } = choice;
    let produced = false;
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.text += delta.content;
      produced = true;
    }
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      this.reasoning += delta.reasoning_content;
      produced = true;
    }
    for (const call of delta.tool_calls ?? []) {
      const existing = (this.#toolCalls[call.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (call.id) existing.id = call.id;
      if (call.function?.name) existing.function.name += call.function.name;
      if (call.function?.arguments) existing.function.arguments += call.function.arguments;
      produced = true;
    }
    if (produced) this.outputChunks++;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  get toolCalls(): ToolCall[] {
    return this.#toolCalls.filter(Boolean);
  }
}
