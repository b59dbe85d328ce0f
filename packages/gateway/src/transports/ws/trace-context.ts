import type { IncomingHttpHeaders } from 'node:http';

/**
 * W3C trace context for WebSocket requests. HTTP continues each request's
 * own `traceparent`; a socket has one upgrade request and many chat
 * requests, so the upgrade's context serves every request on the socket,
 * and a `sluice.v1` request may carry its own, which wins for that request.
 * Only the trace headers are handed on: the upgrade's other headers (routing
 * hints among them) do not become every request's.
 */
export type TraceHeaders = IncomingHttpHeaders & { traceparent: string; tracestate?: string };

// version-traceid-parentid-flags; a version after 00 may append fields (W3C Trace Context, level 1).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;
const ZEROS = /^0+$/;

/** A well-formed `traceparent`, as the W3C propagator would accept it. */
export function isTraceparent(value: string): boolean {
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return false;
  const [, version, traceId, parentId, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return false;
  return !ZEROS.test(traceId) && !ZEROS.test(parentId);
}

/** The trace context of an upgrade request, or undefined without a well-formed `traceparent` (a malformed one is ignored, as on HTTP). */
export function upgradeTraceHeaders(headers: IncomingHttpHeaders): TraceHeaders | undefined {
  return pick(single(headers.traceparent), single(headers.tracestate));
}

/** A request's own trace context when it carries a well-formed one, else its socket's. */
export function requestTraceHeaders(socket: TraceHeaders | undefined, traceparent: string | undefined, tracestate: string | undefined): TraceHeaders | undefined {
  return pick(traceparent, tracestate) ?? socket;
}

function pick(traceparent: string | undefined, tracestate: string | undefined): TraceHeaders | undefined {
  if (traceparent === undefined || !isTraceparent(traceparent)) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/** A repeated header read as one list, as HTTP joins repeated list headers. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
