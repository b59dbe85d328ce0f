import { pause, words, type EventWriter } from '../http.ts';
import { randomId, type Signer } from '../signer.ts';
import type { AnthropicScript, AnthropicUsage, ScriptBlock } from './script.ts';

/** One Messages API content block as it ends up in the final message. */
export type FinalBlock = Record<string, unknown> & { type: string };

/** A script's blocks made concrete: ids minted, thinking signed, input split into deltas. */
export interface PreparedBlock {
  final: FinalBlock;
  /** What content_block_start carries. */
  start: FinalBlock;
  /** The content_block_delta deltas, in order. */
  deltas: Record<string, unknown>[];
}

export function prepareBlocks(blocks: readonly ScriptBlock[], signer: Signer): PreparedBlock[] {
  return blocks.map((block) => {
    switch (block.type) {
      case 'text': {
        const pieces = typeof block.text === 'string' ? words(block.text) : block.text;
        return { final: { type: 'text', text: pieces.join(''), citations: null }, start: { type: 'text', text: '', citations: null }, deltas: pieces.map((text) => ({ type: 'text_delta', text })) };
      }
      case 'thinking': {
        const pieces = typeof block.thinking === 'string' ? words(block.thinking) : block.thinking;
        const thinking = pieces.join('');
        const signature = signer.sign('thinking', thinking);
        return {
          final: { type: 'thinking', thinking, signature },
          start: { type: 'thinking', thinking: '', signature: '' },
          deltas: [...pieces.map((text) => ({ type: 'thinking_delta', thinking: text })), { type: 'signature_delta', signature }],
        };
      }
      case 'redacted_thinking': {
        const data = signer.sign('redacted', '');
        return { final: { type: 'redacted_thinking', data }, start: { type: 'redacted_thinking', data }, deltas: [] };
      }
      case 'tool_use': {
        const id = randomId('toolu_');
        const json = JSON.stringify(block.input);
        const chunks = block.chunks ?? (json === '{}' ? [] : [json.slice(0, Math.ceil(json.length / 2)), json.slice(Math.ceil(json.length / 2))]);
        return { final: { type: 'tool_use', id, name: block.name, input: block.input }, start: { type: 'tool_use', id, name: block.name, input: {} }, deltas: chunks.map((partial_json) => ({ type: 'input_json_delta', partial_json })) };
      }
    }
  });
}

export function stopReasonOf(script: AnthropicScript): string {
  return script.stopReason ?? (script.blocks?.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
}

function wireUsage(usage: AnthropicUsage): Record<string, number> {
  return { input_tokens: usage.input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0, cache_read_input_tokens: usage.cache_read_input_tokens ?? 0, output_tokens: usage.output_tokens };
}

/** The non-streaming answer: the whole Message. */
export function messageJson(model: string, blocks: PreparedBlock[], script: AnthropicScript, usage: AnthropicUsage): Record<string, unknown> {
  return { id: randomId('msg_'), type: 'message', role: 'assistant', model, content: blocks.map((b) => b.final), stop_reason: stopReasonOf(script), stop_sequence: null, usage: wireUsage(usage) };
}

/**
 * Stream a script as the Messages API does: message_start, then each block
 * (start, deltas, stop), a ping along the way, message_delta with the stop
 * reason and cumulative usage, message_stop. Faults strike after their
 * number of deltas. Resolves with the deltas sent.
 */
export async function streamScript(writer: EventWriter, model: string, blocks: PreparedBlock[], script: AnthropicScript, usage: AnthropicUsage, onDelta: () => void): Promise<void> {
  const send = async (type: string, data: Record<string, unknown>) => {
    await pause(script.delayMs ?? 0, writer.aborted);
    await writer.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  let deltas = 0;
  /** The fault due now, if any: true when the stream must stop here. */
  const fault = async (): Promise<boolean> => {
    const due = script.streamError?.afterDeltas === deltas || script.dropAfterDeltas === deltas || script.stallAfterDeltas === deltas;
    // A fault takes its place on the timeline as the next event would, one delay later.
    if (due && deltas > 0) await pause(script.delayMs ?? 0, writer.aborted);
    if (script.streamError !== undefined && script.streamError.afterDeltas === deltas) {
      await send('error', { error: { type: script.streamError.type, message: script.streamError.message ?? 'Overloaded' } });
      writer.end();
      return true;
    }
    if (script.dropAfterDeltas === deltas) {
      writer.cut();
      return true;
    }
    if (script.stallAfterDeltas === deltas) {
      await new Promise<void>((resolve) => writer.aborted.addEventListener('abort', () => resolve(), { once: true }));
      return true;
    }
    return false;
  };
  const start = { ...messageJson(model, [], script, usage), content: [], stop_reason: null, usage: { ...wireUsage(usage), output_tokens: 1 } };
  await send('message_start', { message: start });
  if (await fault()) return;
  for (const [index, block] of blocks.entries()) {
    await send('content_block_start', { index, content_block: block.start });
    if (index === 0) await send('ping', {});
    for (const delta of block.deltas) {
      await send('content_block_delta', { index, delta });
      deltas++;
      onDelta();
      if (writer.aborted.aborted || (await fault())) return;
    }
    await send('content_block_stop', { index });
  }
  await send('message_delta', { delta: { stop_reason: stopReasonOf(script), stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  await send('message_stop', {});
  writer.end();
}
