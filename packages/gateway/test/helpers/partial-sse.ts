import { SseDecoder, type SseMessage } from '@sluice/protocol';

/** Read SSE events from a response until `count` have arrived, then cut the connection. */
export async function readEventsThenCut(response: Response, count: number, controller: AbortController): Promise<SseMessage[]> {
  const events: SseMessage[] = [];
  const decoder = new SseDecoder({ onEvent: (message) => events.push(message) });
  const reader = response.body!.getReader();
  const text = new TextDecoder();
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    decoder.push(text.decode(value, { stream: true }));
  }
  controller.abort();
  await reader.cancel().catch(() => {});
  return events.slice(0, count);
}
