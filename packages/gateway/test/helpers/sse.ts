import { SseDecoder, type SseMessage } from '@sluice/protocol';

export interface SseCapture {
  events: SseMessage[];
  comments: string[];
  /** The `data:` of every event, in order. */
  data: string[];
}

/** Read a whole SSE response body the way a plain curl-and-parse client does. */
export async function readSse(response: Response): Promise<SseCapture> {
  const capture: SseCapture = { events: [], comments: [], data: [] };
  const decoder = new SseDecoder({
    onEvent: (message) => {
      capture.events.push(message);
      capture.data.push(message.data);
    },
    onComment: (text) => capture.comments.push(text),
  });
  const text = new TextDecoder();
  if (response.body === null) return capture;
  for await (const bytes of response.body) decoder.push(text.decode(bytes, { stream: true }));
  return capture;
}

/** The assistant text carried by a list of OpenAI chunk `data:` payloads. */
export function textOf(data: readonly string[]): string {
  let text = '';
  for (const payload of data) {
    if (payload === '[DONE]') continue;
    const chunk = JSON.parse(payload) as { choices?: { delta?: { content?: string } }[] };
    for (const choice of chunk.choices ?? []) text += choice.delta?.content ?? '';
  }
  return text;
}

/** Wait for an emitter-style event, failing after `ms`. */
export function nextEvent<T>(emitter: { once(event: string, listener: (value: T) => void): unknown }, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/**
 * A latency bound on a loaded two-core machine: measure up to `attempts`
 * times and pass when one measurement is within `limitMs` (a mechanism that
 * does not react would miss every time), while none may exceed `ceilingMs`.
 */
export async function assertPromptly(what: string, limitMs: number, measure: () => Promise<number>, attempts = 3, ceilingMs = 2000): Promise<void> {
  const seen: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const ms = await measure();
    seen.push(ms);
    if (ms > ceilingMs) throw new Error(`${what}: took ${ms.toFixed(1)} ms`);
    if (ms <= limitMs) return;
  }
  throw new Error(`${what}: never within ${limitMs} ms (${seen.map((ms) => ms.toFixed(1)).join(', ')} ms)`);
}
