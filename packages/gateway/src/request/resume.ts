import type { Caller } from '../auth/key-ring.ts';
import { GatewayError, InternalError, InvalidCursorError, StreamNotFoundError } from '../errors/index.ts';
import type { GatewayContext } from './context.ts';
import type { StreamApi } from '../streams/event-encoder.ts';
import type { Generation } from '../streams/generation.ts';
import type { LogEntry } from '../streams/log.ts';
import type { StreamMeta } from '../streams/store/types.ts';
import type { StreamSink } from '../streams/subscription.ts';

/** A stream found for a reader: running on this replica, or kept by the store. */
export type FoundStream = { kind: 'live'; generation: Generation } | { kind: 'stored'; meta: StreamMeta };

const STREAM_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * The stream a caller may read or cancel: it must exist, and the caller must
 * hold its per-stream token or be the key that started it. Every refusal is
 * the same 404, so that nobody learns whether an id exists.
 */
export async function findStream(ctx: GatewayContext, caller: Caller | null, streamId: string, token: string | undefined): Promise<FoundStream> {
  if (!STREAM_ID.test(streamId)) throw new StreamNotFoundError();
  const byToken = token !== undefined && ctx.tokens.verify(streamId, token);
  const live = ctx.registry.get(streamId);
  if (live !== undefined) {
    if (byToken || caller?.id === live.options.owner) {
      if (live.options.resumable) return { kind: 'live', generation: live };
    }
    throw new StreamNotFoundError();
  }
  const meta = await ctx.store.meta(streamId);
  if (meta === null || !(byToken || caller?.id === meta.owner)) throw new StreamNotFoundError();
  return { kind: 'stored', meta };
}

/** The inbound API whose frames the stream's log holds. */
export function apiOf(found: FoundStream): StreamApi {
  return found.kind === 'live' ? found.generation.options.encoding.api : found.meta.api;
}

/** The reader already holds everything, terminal included: nothing is left to send. */
export function isFullyRead(found: FoundStream, after: number): boolean {
  if (found.kind === 'live') {
    const terminal = found.generation.log.terminal;
    return terminal !== undefined && after >= terminal.seq;
  }
  return found.meta.status !== 'running' && found.meta.lastSeq > 0 && after >= found.meta.lastSeq;
}

/**
 * Refuse a cursor past what a stream running here has logged: that seq is
 * not coming (every reader sees the same numbering), so a reader waiting
 * for it would wait forever. A stream running on another replica is not
 * checked here, as this replica may not have heard of its latest events
 * yet; its store read ends with the same error if the stream finishes
 * short of the cursor.
 */
export function checkCursor(found: FoundStream, after: number): void {
  if (found.kind !== 'live' || found.generation.log.terminal !== undefined) return;
  const lastSeq = found.generation.log.lastSeq;
  if (after > lastSeq) throw new InvalidCursorError(after, lastSeq);
}

/**
 * Deliver a found stream from `after + 1` into a sink: attached to the live
 * generation, or read from the store with the same backpressure. Returns the
 * function that stops it when the reader goes away.
 */
export function follow(ctx: GatewayContext, found: FoundStream, sink: StreamSink, after: number): () => void {
  if (found.kind === 'live') {
    found.generation.resumed(after);
    const subscription = found.generation.attach(sink, after);
    return () => found.generation.detach(subscription);
  }
  const controller = new AbortController();
  void pipeStored(ctx.store.read(found.meta.id, after, controller.signal), sink, controller.signal);
  return () => controller.abort();
}

/** Copy stored entries into a sink, waiting whenever its connection is full. */
async function pipeStored(entries: AsyncIterable<LogEntry>, sink: StreamSink, signal: AbortSignal): Promise<void> {
  try {
    for await (const entry of entries) {
      const hasRoom = sink.write(entry);
      if (entry.kind !== 'chunk') return sink.end();
      if (!hasRoom) await new Promise<void>((resolve) => sink.onDrain(resolve));
    }
    sink.end();
  } catch (error) {
    if (signal.aborted) return;
    sink.end(error instanceof GatewayError ? error : new InternalError('Reading the stream failed.', error));
  }
}
