import type { StreamEvent } from '../../events/stream-event.ts';
import type { UpstreamHandlers, UpstreamStream } from '../../providers/types.ts';
import { CacheMissError } from './cache-miss.ts';
import type { Recording } from './recording.ts';

type Delivery = (handlers: UpstreamHandlers) => void;

/**
 * A recording served as if it were an upstream's stream: its events, in
 * order, held back while the generation is paused. A recording that fails
 * before it produced anything is a cache miss, so the request goes on to
 * a real upstream.
 */
export class ReplayStream implements UpstreamStream {
  readonly #recording: Recording;
  readonly #signal: AbortSignal;
  #handlers: UpstreamHandlers | undefined;
  #queue: Delivery[] = [];
  #paused = false;
  #delivered = 0;
  #stop: () => void = () => {};

  constructor(recording: Recording, signal: AbortSignal) {
    this.#recording = recording;
    this.#signal = signal;
  }

  start(handlers: UpstreamHandlers): void {
    this.#handlers = handlers;
    const onAbort = () => {
      this.#stop();
      this.#queue = [];
      handlers.fail(this.#signal.reason);
    };
    if (this.#signal.aborted) return onAbort();
    this.#signal.addEventListener('abort', onAbort, { once: true });
    // Delivered from the next turn on, as a network read would be.
    const release = this.#recording.holder?.() ?? (() => {});
    this.#signal.addEventListener('abort', release, { once: true });
    queueMicrotask(() => {
      if (this.#signal.aborted) return;
      const unfollow = this.#recording.follow({
        events: (batch) => this.#push((h) => h.events(batch), batch),
        end: () => this.#push((h) => h.end()),
        fail: (error) => this.#push((h) => h.fail(this.#delivered === 0 ? new CacheMissError() : error)),
      });
      this.#stop = () => {
        unfollow();
        release();
      };
    });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    while (!this.#paused && this.#queue.length > 0) this.#queue.shift()!(this.#handlers!);
  }

  #push(delivery: Delivery, batch?: readonly StreamEvent[]): void {
    if (batch !== undefined) this.#delivered += batch.length;
    if (this.#paused || this.#queue.length > 0) this.#queue.push(delivery);
    else delivery(this.#handlers!);
  }
}
