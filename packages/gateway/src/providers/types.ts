import type { ChatCompletionRequest } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';
import type { StreamEvent } from '../events/stream-event.ts';

/** Silence allowed between upstream bytes (or events, for in-process providers) when a provider sets no `idleTimeoutMs`. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** Where an upstream stream delivers, in order: batches of events, then exactly one of end or fail. */
export interface UpstreamHandlers {
  /** The events of one upstream read, in order. */
  events(batch: readonly StreamEvent[]): void;
  /** The upstream finished cleanly. */
  end(): void;
  /** The stream broke; `error` says how (the abort reason when the signal ended it). */
  fail(error: unknown): void;
}

/**
 * One upstream response, pushed to its consumer as it arrives: no promise
 * per token, so forwarding costs little more than copying bytes. `pause`
 * stops reading the upstream (backpressure reaches its socket); `resume`
 * goes on.
 */
export interface UpstreamStream {
  start(handlers: UpstreamHandlers): void;
  pause(): void;
  resume(): void;
}

/**
 * A provider behind the gateway. `open` sends the request and resolves once
 * the upstream has accepted it (a success status); it rejects with a
 * GatewayError when the upstream refuses, so the retry policy can decide
 * before any token exists. Aborting `signal` ends the stream and frees its
 * connection; the stream then fails with the signal's reason.
 */
export interface Provider {
  readonly id: string;
  /** `traceHeaders`: W3C trace context (`traceparent`, `tracestate`) for the upstream, when tracing is on. */
  open(request: ChatCompletionRequest, signal: AbortSignal, traceHeaders?: Readonly<Record<string, string>>): Promise<UpstreamStream>;
  /** The request's input tokens, counted exactly by the upstream, for providers that offer counting; the gateway estimates for the others. */
  countTokens?(request: ChatCompletionRequest, signal: AbortSignal): Promise<number>;
  close(): Promise<void>;
}
