import { encodePrompt } from '../workload.ts';

export interface StreamResult {
  /** From sending the request to the first content chunk (`"0 "`, as the bench upstream numbers its chunks). */
  ttftMs: number;
  completionTokens: number;
}

/** One streamed chat request, with the target's key if it has one, read to its end. */
export async function streamOnce(target: { url: string; model: string; key?: string }, id: string, chunks: number): Promise<StreamResult> {
  const body = JSON.stringify({ model: target.model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: encodePrompt({ id, chunks, ttftMs: 0, itlMs: chunks > 100 ? 0 : 2 }) }] });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.key !== undefined) headers.authorization = `Bearer ${target.key}`;
  const started = performance.now();
  const response = await fetch(`${target.url}/v1/chat/completions`, { method: 'POST', headers, body });
  if (!response.ok || response.body === null) throw new Error(`${target.url}: status ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  let first = -1;
  for await (const chunk of response.body) {
    text += decoder.decode(chunk, { stream: true });
    if (first < 0 && text.includes('"content":"0 ')) first = performance.now() - started;
  }
  if (first < 0) throw new Error(`${target.url}: no first token in ${JSON.stringify(text.slice(0, 200))}`);
  const usage = /"completion_tokens":(\d+)/.exec(text);
  return { ttftMs: first, completionTokens: usage === null ? 0 : Number(usage[1]) };
}
