import type { StreamEvent } from '../events/stream-event.ts';
import type { UpstreamHandlers, UpstreamStream } from './types.ts';

/**
 * An UpstreamStream over an async iterable of events, for providers whose
 * events come from timers rather than a socket (the simulator). It pulls
 * only while not paused.
 */
export class IterableUpstream implements UpstreamStream {
  readonly #iterator: AsyncIterator<StreamEvent>;
  #handlers: UpstreamHandlers | undefined;
  #paused = false;
  #pulling = false;

  constructor(events: AsyncIterable<StreamEvent>, signal: AbortSignal) {
    this.#iterator = events[Symbol.asyncIterator]();
    // A paused stream is not pulling, so nothing else would notice an abort.
    signal.addEventListener(
      'abort',
      () => {
        if (this.#pulling) return;
        void this.#iterator.return?.();
        this.#handlers?.fail(signal.reason);
      },
      { once: true },
    );
  }

  start(handlers: UpstreamHandlers): void {
    this.#handlers = handlers;
    void this.#pull();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    if (!this.#pulling) void this.#pull();
  }

  async #pull(): Promise<void> {
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    this.#pulling = true;
    try {
      while (!this.#paused) {
        const next = await this.#iterator.next();
        if (next.done) return handlers.end();
        handlers.events([next.value]);
      }
    } catch (error) {
      handlers.fail(error);
    } finally {
      this.#pulling = false;
    }
  }
}

/** Events already known in full (an upstream that answered one JSON document), delivered as a stream. */
export function replayEvents(events: readonly StreamEvent[], signal: AbortSignal): UpstreamStream {
  return new IterableUpstream(
    (async function* replay() {
      yield* events;
    })(),
    signal,
  );
}
