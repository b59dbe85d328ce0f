import type { IncomingHttpHeaders } from 'node:http';
import type { ChatCompletionRequest } from '@sluice/protocol';
import type { GatewayError } from '../errors/index.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { RouteTarget } from '../routing/router.ts';
import type { Settlement } from '../streams/generation.ts';

/**
 * OpenTelemetry for the gateway, present only when it is enabled: with it
 * off, the context holds null and the request path makes no span, no
 * attribute and no check per token.
 */
export interface Telemetry {
  /** The trace of one request, continuing the client's `traceparent` when it sent one; null when only metrics are exported. */
  startRequest(start: RequestStart): RequestTrace | null;
  /** The GenAI metrics of a finished stream (durations, token usage). */
  settled(settlement: Settlement): void;
  /** Export what is buffered and stop. */
  shutdown(): Promise<void>;
}

export interface RequestStart {
  streamId: string;
  request: ChatCompletionRequest;
  /** The inbound API: `chat`, `messages` or `responses`. */
  api: string;
  /** The gateway key's name. */
  key: string;
  /** The client's headers, read for W3C trace context. */
  headers?: IncomingHttpHeaders;
}

/** One request's span and its upstream attempts' spans. */
export interface RequestTrace {
  /** An upstream attempt begins (the first, a retry, a failover, a hedge). */
  attempt(target: RouteTarget): AttemptTrace;
  /** The first token was logged. Called once. */
  firstToken(): void;
  /** A reader resumed the stream after `after`. */
  resumed(after: number): void;
  /** Sees every event, only when content capture is on (null otherwise, so nothing is called per token). */
  readonly contentObserver: ((event: StreamEvent) => void) | null;
  /** The stream ended; ends the successful attempt's span and the request's. */
  end(settlement: Settlement): void;
}

export interface AttemptTrace {
  /** Trace context for the upstream request (`traceparent`, `tracestate`). */
  readonly headers: Record<string, string>;
  /** This attempt failed before its first token; its span ends here. */
  failed(error: GatewayError): void;
}
