/**
 * One stream as the client saw it: when each content chunk arrived, the text,
 * and how it ended. Every client (SSE or WebSocket) feeds one of these, so
 * all targets are judged by the same code.
 */
import { checkText, type StreamSpec } from '../workload.ts';

export interface StreamOutcome {
  /** Ended with the protocol's terminal ([DONE] / `done`) and no error. */
  completed: boolean;
  /** Completed and the text is exactly what the upstream sent. */
  exact: boolean;
  lost: number;
  duplicated: number;
  /** Request sent → first content chunk, ms (-1 when none came). */
  ttftMs: number;
  /** Largest gap between consecutive content chunks, ms. */
  maxGapMs: number;
  chunks: number;
  error: string | null;
}

export class StreamRecorder {
  readonly spec: StreamSpec;
  startedAt = performance.now();
  firstChunkAt = -1;
  lastChunkAt = -1;
  maxGapMs = 0;
  chunks = 0;
  text = '';
  completed = false;
  error: string | null = null;
  /** The last SSE `id:` (or WS `seq`) seen: where a resume starts from. */
  lastEventId = '';
  /** Inter-chunk gaps, kept only when the phase asks for them (ITL). */
  readonly gaps: number[] | null;
  /** Called after each content chunk; the cancel phase aborts from here. */
  onChunk: ((recorder: StreamRecorder) => void) | null = null;

  constructor(spec: StreamSpec, keepGaps = false) {
    this.spec = spec;
    this.gaps = keepGaps ? [] : null;
  }

  /** Restart the clock: WebSocket clients call it when the request frame leaves. */
  markSent(): void {
    this.startedAt = performance.now();
  }

  content(text: string): void {
    if (text === '' || this.settled) return;
    const now = performance.now();
    if (this.firstChunkAt < 0) this.firstChunkAt = now;
    else {
      const gap = now - this.lastChunkAt;
      if (gap > this.maxGapMs) this.maxGapMs = gap;
      this.gaps?.push(gap);
    }
    this.lastChunkAt = now;
    this.chunks++;
    this.text += text;
    this.onChunk?.(this);
  }

  complete(): void {
    if (this.error === null) this.completed = true;
  }

  fail(message: string): void {
    if (this.error === null && !this.completed) this.error = message;
  }

  get settled(): boolean {
    return this.completed || this.error !== null;
  }

  outcome(): StreamOutcome {
    const check = checkText(this.text, this.spec.chunks);
    return {
      completed: this.completed,
      exact: this.completed && check.exact,
      lost: check.lost,
      duplicated: check.duplicated,
      ttftMs: this.firstChunkAt < 0 ? -1 : this.firstChunkAt - this.startedAt,
      maxGapMs: this.maxGapMs,
      chunks: this.chunks,
      error: this.error,
    };
  }
}
