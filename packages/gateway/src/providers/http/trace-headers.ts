/** A provider's own headers, plus the trace context when tracing passes one (no copy otherwise). */
export function withTrace(headers: Record<string, string>, traceHeaders: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return traceHeaders === undefined ? headers : { ...headers, ...traceHeaders };
}
