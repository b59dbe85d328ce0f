import type { StreamEvent } from '../../events/stream-event.ts';
import type { UpstreamHandlers } from '../../providers/types.ts';

/**
 * The events of one generation as they are logged, for the identical
 * requests that arrive while it runs: each follows from the first event,
 * then live, and learns how it ended. A finished recording replays at once.
 */
export class Recording {
  readonly events: StreamEvent[] = [];
  #outcome: { ok: true } | { ok: false; error: unknown } | undefined;
  readonly #listeners = new Set<UpstreamHandlers>();
  /** Keeps the recorded generation running while someone follows it (its own client may leave). */
  holder: (() => () => void) | undefined;

  /** A recording that is already over: a stored answer. */
  static finished(events: StreamEvent[]): Recording {
    const recording = new Recording();
    recording.events.push(...events);
    recording.#outcome = { ok: true };
    return recording;
  }

  get failedEmpty(): boolean {
    return this.#outcome?.ok === false && this.events.length === 0;
  }

  add(event: StreamEvent): void {
    this.events.push(event);
    for (const listener of this.#listeners) listener.events([event]);
  }

  finish(ok: boolean, error?: unknown): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = ok ? { ok: true } : { ok: false, error };
    for (const listener of this.#listeners) {
      if (ok) listener.end();
      else listener.fail(error);
    }
    this.#listeners.clear();
  }

  /** Everything so far, then each event as it comes, then the end; returns how to stop following. */
  follow(listener: UpstreamHandlers): () => void {
    if (this.events.length > 0) listener.events(this.events.slice());
    const outcome = this.#outcome;
    if (outcome !== undefined) {
      if (outcome.ok) listener.end();
      else listener.fail(outcome.error);
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
