/**
 * The `sluice.v1` WebSocket protocol: JSON text frames, each with a `type`.
 * Many requests share one socket; `id` is chosen by the client and echoed.
 */
import type { ChatCompletionChunk, ChatCompletionRequest, Usage } from './openai.ts';
import type { WireErrorBody } from './errors.ts';

export interface WsRequestMessage {
  type: 'request';
  id: string;
  body: ChatCompletionRequest;
  /** Default true over `sluice.v1`: the stream survives this socket. */
  resumable?: boolean;
  /**
   * W3C trace context for this request, overriding the upgrade request's
   * `traceparent` (which serves every request on the socket). A malformed
   * value is ignored, as a malformed header is on HTTP.
   */
  traceparent?: string;
  /** The W3C `tracestate` that goes with this request's `traceparent`. */
  tracestate?: string;
}

export interface WsCancelMessage {
  type: 'cancel';
  id: string;
}

export interface WsResumeMessage {
  type: 'resume';
  id: string;
  streamId: string;
  /** The last seq the client holds; delivery starts at `after + 1`. */
  after: number;
  /** The per-stream token, when the socket's key is not the stream's owner. */
  token?: string;
}

export interface WsPingMessage {
  type: 'ping';
}

export type WsClientMessage = WsRequestMessage | WsCancelMessage | WsResumeMessage | WsPingMessage;

export interface WsAcceptedMessage {
  type: 'accepted';
  id: string;
  streamId: string;
  token?: string;
}

export interface WsChunkMessage {
  type: 'chunk';
  id: string;
  seq: number;
  data: ChatCompletionChunk;
}

export interface WsDoneMessage {
  type: 'done';
  id: string;
  seq: number;
  usage: Usage | null;
  cost: number | null;
}

export interface WsErrorMessage {
  type: 'error';
  id: string | null;
  seq?: number;
  error: WireErrorBody;
}

export interface WsPongMessage {
  type: 'pong';
}

export type WsServerMessage = WsAcceptedMessage | WsChunkMessage | WsDoneMessage | WsErrorMessage | WsPongMessage;

/** WebSocket close codes sluice uses (RFC 6455). */
export const WsCloseCodes = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
} as const;
