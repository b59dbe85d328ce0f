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
  const { text, firstAt } = await readToEnd(target.url, response);
  const usage = /"completion_tokens":(\d+)/.exec(text);
  return { ttftMs: firstAt - started, completionTokens: usage === null ? 0 : Number(usage[1]) };
}

/** A streamed response read to its end: its text, and when its first content chunk (`"0 "`) arrived. */
export async function readToEnd(url: string, response: Response): Promise<{ text: string; firstAt: number }> {
  if (!response.ok || response.body === null) throw new Error(`${url}: status ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  let firstAt = -1;
  for await (const chunk of response.body) {
    text += decoder.decode(chunk, { stream: true });
    if (firstAt < 0 && text.includes('"content":"0 ')) firstAt = performance.now();
  }
  if (firstAt < 0) throw new Error(`${url}: no first token in ${JSON.stringify(text.slice(0, 200))}`);
  return { text, firstAt };
}
