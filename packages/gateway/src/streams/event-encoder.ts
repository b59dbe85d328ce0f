import type { Usage } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';
import type { StreamEvent } from '../events/stream-event.ts';

/**
 * The inbound API a stream speaks. Its log holds that API's frames, and the
 * stream remembers the API, so that a resume on any replica serves the same
 * format the stream started in.
 */
export type StreamApi = 'chat' | 'messages' | 'responses';

/**
 * Where an encoder puts its frames: each call is one numbered entry of the
 * stream log. A finished stream ends with exactly one `done`, a failed one
 * with exactly one `error`.
 */
export interface FrameWriter {
  chunk(json: string): void;
  done(json: string): void;
  error(json: string): void;
}

/**
 * Serialises one stream's events into one inbound API's frames, once, when
 * they are appended: every reader and every resume reuses those bytes. One
 * encoder per stream; it may keep state (the block or item that is open).
 * An event may make no frame, one, or several.
 */
export interface EventEncoder {
  encode(event: StreamEvent, out: FrameWriter): void;
  /** The stream finished: write its last frames, ending with `done`. */
  finish(usage: Usage, out: FrameWriter): void;
  /** The stream failed: write its last frames, ending with `error`. */
  fail(error: GatewayError, out: FrameWriter): void;
}

/** How a request's stream is encoded: its API, and the encoder made for it once its id exists. */
export interface StreamEncoding {
  api: StreamApi;
  encoder(streamId: string, createdAt: number): EventEncoder;
}
