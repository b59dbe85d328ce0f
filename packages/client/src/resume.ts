/**
 * Where a stream stands for resuming: its id and token, the last seq
 * delivered, and how many reconnects in a row have failed. It decides what
 * an arriving seq means (new, already seen, or a gap) and how long to wait
 * before the next reconnect, and builds the error when resuming gives up.
 */
import { fullJitterDelay, type BackoffOptions } from './backoff.ts';
import { StreamInterruptedError } from './errors.ts';

export interface ReconnectOptions {
  /** Reconnects in a row without progress before giving up (default 8). */
  maxAttempts: number;
  /** Backoff between them, full jitter (default 200 ms doubling up to 5 s). */
  backoff: BackoffOptions;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = Object.freeze({ maxAttempts: 8, backoff: { baseMs: 200, maxMs: 5000 } });

export type SeqVerdict = 'new' | 'seen' | 'gap';

export class StreamCursor {
  streamId: string | null = null;
  token: string | null = null;
  /** The last seq delivered; events are numbered from 1. */
  lastSeq = 0;
  /** Successful reconnects that picked the stream up again. */
  resumes = 0;
  readonly #options: ReconnectOptions;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: ReconnectOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  get resumable(): boolean {
    return this.streamId !== null;
  }

  opened(streamId: string | null, token: string | null): void {
    if (streamId !== null) this.streamId = streamId;
    if (token !== null) this.token = token;
  }

  /**
   * What an event with `seq` is. A server that numbers nothing (seq null) is
   * numbered here, so `lastSeq` still counts what was delivered.
   */
  judge(seq: number | null): SeqVerdict {
    if (seq === null) return 'new';
    if (seq <= this.lastSeq) return 'seen';
    return seq === this.lastSeq + 1 ? 'new' : 'gap';
  }

  /** The event with `seq` was delivered. */
  advance(seq: number | null): void {
    this.lastSeq = seq ?? this.lastSeq + 1;
    this.#failures = 0;
  }

  /** Forget the stream: a fresh request (a retry) gets a new one. */
  forget(): void {
    this.streamId = null;
    this.token = null;
    this.lastSeq = 0;
  }

  /** Milliseconds to wait before the next reconnect, or null when it is time to give up. */
  nextDelay(): number | null {
    if (this.#failures >= this.#options.maxAttempts) return null;
    return fullJitterDelay(this.#failures++, this.#options.backoff, this.#random);
  }

  interrupted(text: string, cause: unknown): StreamInterruptedError {
    const why = cause instanceof Error ? cause.message : String(cause);
    const message = this.resumable
      ? `the stream broke and ${this.#options.maxAttempts} attempts to resume it failed: ${why}`
      : `the stream broke and cannot be resumed: the server did not name it (x-sluice-stream-id), so it is not a sluice gateway: ${why}`;
    return new StreamInterruptedError(message, { text, streamId: this.streamId, lastSeq: this.lastSeq, resumable: this.resumable, cause });
  }
}
