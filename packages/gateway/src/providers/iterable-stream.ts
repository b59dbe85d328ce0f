import type { StreamEvent } from '../events/stream-event.ts';
import type { UpstreamHandlers, UpstreamStream } from './types.ts';
import { upstreamIdleError, type IdleLimit } from './upstream-error.ts';

/**
 * An UpstreamStream over an async iterable of events, for providers whose
 * events come from timers rather than a socket (the simulator). It pulls
 * only while not paused, and fails with `upstream_timeout` when the next
 * event takes longer than the idle limit, as a silent socket would.
 */
export class IterableUpstream implements UpstreamStream {
  readonly #iterator: AsyncIterator<StreamEvent>;
  readonly #idle: IdleLimit | undefined;
  #handlers: UpstreamHandlers | undefined;
  #paused = false;
  #pulling = false;
  /** End or failure was reported; nothing more is. */
  #settled = false;

  constructor(events: AsyncIterable<StreamEvent>, signal: AbortSignal, idle?: IdleLimit) {
    this.#iterator = events[Symbol.asyncIterator]();
    this.#idle = idle;
    // A paused stream is not pulling, so nothing else would notice an abort.
    signal.addEventListener(
      'abort',
      () => {
        if (this.#pulling) return;
        void this.#iterator.return?.();
        this.#fail(signal.reason);
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
      while (!this.#paused && !this.#settled) {
        const next = await this.#next();
        if (this.#settled) return;
        if (next.done) {
          this.#settled = true;
          return handlers.end();
        }
        handlers.events([next.value]);
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#pulling = false;
    }
  }

  /** The next event, timed: too long a wait fails the stream (the caller's abort then ends the source). */
  async #next(): Promise<IteratorResult<StreamEvent>> {
    const idle = this.#idle;
    if (idle === undefined) return this.#iterator.next();
    const timer = setTimeout(() => this.#fail(upstreamIdleError(idle)), idle.idleTimeoutMs);
    try {
      return await this.#iterator.next();
    } finally {
      clearTimeout(timer);
    }
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#handlers?.fail(error);
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
