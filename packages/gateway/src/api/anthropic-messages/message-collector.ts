import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink } from '../../streams/subscription.ts';

type Block = { type: string; text?: string; thinking?: string; signature?: string; input?: unknown; [field: string]: unknown };

interface StreamFrame {
  type: string;
  message?: Record<string, unknown> & { content: Block[]; usage: Record<string, unknown> };
  index?: number;
  content_block?: Block;
  delta?: { type?: string; text?: string; thinking?: string; signature?: string; partial_json?: string; stop_reason?: string; stop_sequence?: string | null };
  usage?: Record<string, unknown>;
}

/**
 * A sink that reads a whole Messages stream and assembles the one `message`
 * object of a `stream: false` request, the way Anthropic's SDKs assemble
 * the stream: blocks by index, tool input parsed once its JSON is whole.
 */
export class MessageCollector implements StreamSink {
  #message: StreamFrame['message'];
  readonly #partialJson = new Map<number, string>();

  write(entry: LogEntry): boolean {
    if (entry.kind === 'chunk') this.#add(JSON.parse(entry.json) as StreamFrame);
    return true;
  }

  onDrain(): void {}
  end(): void {}

  message(): Record<string, unknown> {
    if (this.#message === undefined) throw new Error('the stream ended without a message_start');
    return this.#message;
  }

  #add(frame: StreamFrame): void {
    const message = this.#message;
    switch (frame.type) {
      case 'message_start':
        this.#message = frame.message;
        return;
      case 'content_block_start':
        message?.content.push({ ...frame.content_block! });
        return;
      case 'content_block_delta':
        return this.#delta(message?.content[frame.index!], frame);
      case 'content_block_stop': {
        const block = message?.content[frame.index!];
        const json = this.#partialJson.get(frame.index!);
        if (block !== undefined && json !== undefined) block.input = parseInput(json);
        return;
      }
      case 'message_delta':
        if (message === undefined) return;
        message.stop_reason = frame.delta?.stop_reason;
        message.stop_sequence = frame.delta?.stop_sequence ?? null;
        message.usage = { ...message.usage, ...frame.usage };
    }
  }

  #delta(block: Block | undefined, frame: StreamFrame): void {
    const delta = frame.delta;
    if (block === undefined || delta === undefined) return;
    switch (delta.type) {
      case 'text_delta':
        block.text = (block.text ?? '') + delta.text;
        break;
      case 'thinking_delta':
        block.thinking = (block.thinking ?? '') + delta.thinking;
        break;
      case 'signature_delta':
        block.signature = delta.signature;
        break;
      case 'input_json_delta':
        this.#partialJson.set(frame.index!, (this.#partialJson.get(frame.index!) ?? '') + delta.partial_json);
        break;
    }
  }
}

/** A tool call's arguments as its input; arguments a model wrote that are not JSON stay the string it wrote. */
function parseInput(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
