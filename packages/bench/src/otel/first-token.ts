import { encodePrompt } from '../workload.ts';

/**
 * One streamed chat request; milliseconds from sending it to the first
 * content chunk (`"0 "`, as the bench upstream numbers its chunks). The rest
 * of the stream is read to its end, so the connection is reused cleanly.
 */
export async function timeToFirstToken(baseUrl: string, model: string, id: string, ttftMs: number): Promise<number> {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: encodePrompt({ id, chunks: 20, ttftMs, itlMs: 2 }) }] });
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!response.ok || response.body === null) throw new Error(`${baseUrl}: status ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let seen = '';
  let first = -1;
  for await (const chunk of response.body) {
    if (first < 0) {
      seen += decoder.decode(chunk, { stream: true });
      if (seen.includes('"content":"0 ')) first = performance.now() - started;
    }
  }
  if (first < 0) throw new Error(`${baseUrl}: no first token in ${JSON.stringify(seen.slice(0, 200))}`);
  return first;
}
