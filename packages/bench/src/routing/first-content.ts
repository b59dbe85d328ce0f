/** Milliseconds from sending a streamed chat request to its first content chunk; the rest is read to the end. */
export async function firstContentMs(baseUrl: string, body: object, headers: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...body, stream: true }) });
  if (!response.ok || response.body === null) throw new Error(`${baseUrl}: status ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let seen = '';
  let first = -1;
  for await (const chunk of response.body) {
    if (first >= 0) continue;
    seen += decoder.decode(chunk, { stream: true });
    // The role chunk carries `"content":""`; the first token is the first non-empty content.
    if (/"content":"[^"]/.test(seen)) first = performance.now() - started;
  }
  if (first < 0) throw new Error(`${baseUrl}: no content in ${JSON.stringify(seen.slice(0, 200))}`);
  return first;
}

/** Nearest-rank percentile `q` (0–1) of a sample. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
