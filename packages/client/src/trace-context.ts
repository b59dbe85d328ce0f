/**
 * W3C trace context a caller passes for one request, so the gateway's span
 * (and the upstream call it makes) joins the caller's trace. Over HTTP it is
 * the `traceparent` and `tracestate` headers; over WebSocket, where one
 * socket carries many requests, the request message's fields of those names.
 */
export interface TraceContext {
  /** `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`; a malformed one is ignored by the gateway. */
  traceparent: string;
  tracestate?: string;
}

/** The headers that carry `trace` over HTTP; none without one. */
export function traceHeaders(trace: TraceContext | undefined): Record<string, string> {
  if (trace === undefined) return {};
  return trace.tracestate === undefined ? { traceparent: trace.traceparent } : { traceparent: trace.traceparent, tracestate: trace.tracestate };
}
