/**
 * Turns the bytes of an SSE response into recorder calls, using the
 * protocol package's decoder: the same parser for every SSE target.
 */
import { SseDecoder, SSE_DONE } from '@sluice/protocol';
import type { StreamRecorder } from '../recorder.ts';
import { chunkContent } from './chat-body.ts';

export class SseFeed {
  readonly #decoder: SseDecoder;
  readonly #text = new TextDecoder();

  constructor(recorder: StreamRecorder) {
    this.#decoder = new SseDecoder({
      onEvent(message) {
        // A stream the client cut (or that failed) is over for it, even if more
        // of it sits in the buffer being decoded.
        if (recorder.settled) return;
        recorder.lastEventId = message.id;
        if (message.event === 'error') return recorder.fail(`error event: ${message.data.slice(0, 300)}`);
        if (message.data === SSE_DONE) return recorder.complete();
        let chunk: unknown;
        try {
          chunk = JSON.parse(message.data);
        } catch {
          return recorder.fail(`malformed data line: ${message.data.slice(0, 120)}`);
        }
        recorder.content(chunkContent(chunk));
      },
    });
  }

  push(bytes: Uint8Array): void {
    this.#decoder.push(this.#text.decode(bytes, { stream: true }));
  }
}
