import type { StreamEvent } from '../events/stream-event.ts';
import type { UpstreamHandlers } from './types.ts';

/**
 * Upstream handlers that can be re-pointed: first at whoever waits for the
 * first events, then at the generation. While pointed nowhere it keeps what
 * arrives, in order, and hands it over when pointed again.
 */
export class HandlerRelay implements UpstreamHandlers {
  #target: UpstreamHandlers | undefined;
  /** What arrived while pointed nowhere; made when something does (an idle stream never has any). */
  #pending: ((target: UpstreamHandlers) => void)[] | undefined;

  point(target: UpstreamHandlers | undefined): void {
    this.#target = target;
    if (target === undefined || this.#pending === undefined) return;
    const pending = this.#pending;
    this.#pending = undefined;
    for (const deliver of pending) deliver(target);
  }

  events(batch: readonly StreamEvent[]): void {
    if (this.#target !== undefined) this.#target.events(batch);
    else (this.#pending ??= []).push((target) => target.events(batch));
  }

  end(): void {
    if (this.#target !== undefined) this.#target.end();
    else (this.#pending ??= []).push((target) => target.end());
  }

  fail(error: unknown): void {
    if (this.#target !== undefined) this.#target.fail(error);
    else (this.#pending ??= []).push((target) => target.fail(error));
  }
}
