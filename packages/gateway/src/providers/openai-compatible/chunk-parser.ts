import type { ChunkChoice, ToolCallDelta, Usage } from '@sluice/protocol';
import { UpstreamHttpError, UpstreamProtocolError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';

interface UpstreamChunk {
  choices?: ChunkChoice[];
  usage?: Usage | null;
  error?: { message?: string; code?: string | null; type?: string | null };
}

/**
 * Turns one upstream `data:` payload into StreamEvents, appended to `out`.
 * Knows the OpenAI chunk format and the common variants of compatible
 * providers (`reasoning_content` from DeepSeek, `reasoning` from others).
 */
export function parseUpstreamChunk(data: string, out: StreamEvent[]): void {
  let chunk: UpstreamChunk;
  try {
    chunk = JSON.parse(data) as UpstreamChunk;
  } catch {
    throw new UpstreamProtocolError(`The upstream sent a data line that is not JSON: ${data.slice(0, 120)}`);
  }
  if (typeof chunk !== 'object' || chunk === null) throw new UpstreamProtocolError('The upstream sent a data line that is not a JSON object.');
  if (chunk.error !== undefined) {
    const e = chunk.error;
    out.push({ type: 'error', error: new UpstreamHttpError(502, e.message ?? 'The upstream reported an error mid-stream.', e.code ?? null, e.type ?? null) });
    return;
  }
  if (Array.isArray(chunk.choices)) for (const choice of chunk.choices) parseChoice(choice, out);
  if (chunk.usage) out.push({ type: 'usage', usage: chunk.usage });
}

function parseChoice(choice: ChunkChoice, out: StreamEvent[]): void {
  const index = typeof choice.index === 'number' ? choice.index : 0;
  const delta = choice.delta ?? {};
  if (delta.role === 'assistant') out.push({ type: 'role', choice: index, role: 'assistant' });
  const reasoning = delta.reasoning_content ?? (delta as { reasoning?: unknown }).reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') out.push({ type: 'reasoning', choice: index, text: reasoning });
  if (typeof delta.content === 'string' && (delta.content !== '' || choice.logprobs != null)) {
    out.push(choice.logprobs == null ? { type: 'content', choice: index, text: delta.content } : { type: 'content', choice: index, text: delta.content, logprobs: choice.logprobs });
  }
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls as ToolCallDelta[]) out.push({ type: 'tool_call', choice: index, call });
  }
  if (choice.finish_reason != null) out.push({ type: 'finish', choice: index, reason: choice.finish_reason });
}
