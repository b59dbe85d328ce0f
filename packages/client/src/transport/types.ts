/**
 * The seam between the stream logic and the wire. A transport opens one
 * attempt at a time — a new request, or a resume from a seq — and reports
 * what arrives as `TransportEvent`s. It knows nothing of retries, resumes or
 * budgets; those live above it.
 */
import type { ChatCompletionChunk, ChatCompletionRequest, Usage } from '@sluice/protocol';
import type { SluiceError } from '../errors.ts';
import type { TraceContext } from '../trace-context.ts';

export type TransportName = 'sse' | 'ws';

export type TransportEvent =
  /** The server took the request; `streamId` is null when it is not sluice (cannot resume). */
  | { type: 'open'; streamId: string | null; token: string | null; headers: Headers | null }
  /** `seq` is the server's; null from servers that number nothing. */
  | { type: 'chunk'; seq: number | null; chunk: ChatCompletionChunk }
  | { type: 'done'; seq: number | null; usage: Usage | null; cost: number | null }
  /** The server ended the stream with an error after it started. */
  | { type: 'error'; seq: number | null; error: SluiceError }
  /** A keepalive (`: ping`, a pong): the connection is alive though silent. */
  | { type: 'alive' };

export interface StartParams {
  body: ChatCompletionRequest;
  /** The caller's trace context for this request. */
  trace?: TraceContext;
  /** Aborting stops listening (the connection is dropped or the subscription detached); it does not cancel upstream. */
  signal: AbortSignal;
}

export interface ResumeParams {
  streamId: string;
  token: string | null;
  /** The last seq the caller holds; the server sends from `after + 1`. */
  after: number;
  signal: AbortSignal;
}

/** One connection's view of a stream. Iterating ends after `done`/`error`, or throws when the connection breaks. */
export interface StreamAttempt extends AsyncIterable<TransportEvent> {
  /** Ask the server to stop generating (user abort, budget). Best effort; never throws. */
  cancel(): Promise<void>;
}

export interface Transport {
  readonly name: TransportName;
  start(params: StartParams): StreamAttempt;
  resume(params: ResumeParams): StreamAttempt;
  /** Cancel a stream no attempt is attached to (between reconnects). Best effort. */
  cancelStream(streamId: string, token: string | null): Promise<void>;
  close(): void;
}
