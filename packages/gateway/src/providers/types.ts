import type { ChatCompletionRequest } from '@sluice/protocol';
import type { StreamEvent } from '../streams/events.ts';

/**
 * A provider behind the gateway. `open` sends the request and resolves once
 * the upstream has accepted it (a success status); it rejects with a
 * GatewayError when the upstream refuses, so the retry policy can decide
 * before any token exists. The returned iterable yields the upstream's events
 * and throws a GatewayError if the stream breaks. Pulling slowly is
 * backpressure: an adapter must not read ahead of its consumer.
 */
export interface Provider {
  readonly id: string;
  open(request: ChatCompletionRequest, signal: AbortSignal): Promise<AsyncIterable<StreamEvent>>;
  close(): Promise<void>;
}
