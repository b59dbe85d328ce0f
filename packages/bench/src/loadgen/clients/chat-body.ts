/** The chat request every client sends: the same body for every target. */
import { encodePrompt, type StreamSpec } from '../../workload.ts';

export function chatBody(model: string, spec: StreamSpec): { model: string; stream: true; messages: { role: 'user'; content: string }[] } {
  return { model, stream: true, messages: [{ role: 'user', content: encodePrompt(spec) }] };
}

/**
 * The content of an OpenAI chunk object, or '' for chunks without any (the
 * finish chunk, the usage chunk).
 */
export function chunkContent(chunk: unknown): string {
  const choices = (chunk as { choices?: { delta?: { content?: unknown } }[] } | null)?.choices;
  const content = choices?.[0]?.delta?.content;
  return typeof content === 'string' ? content : '';
}

/** The first choice's `finish_reason`, or null while the answer goes on. */
export function finishReason(chunk: unknown): string | null {
  const choices = (chunk as { choices?: { finish_reason?: unknown }[] } | null)?.choices;
  const reason = choices?.[0]?.finish_reason;
  return typeof reason === 'string' ? reason : null;
}
