/**
 * The fields of a request that its API's mapper does not read: they pass
 * through to the internal request, as unknown fields do on chat completions
 * (a provider's own extras, the simulator's `sim` controls).
 */
export function unreadFields(request: object, read: ReadonlySet<string>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) if (!read.has(key) && key !== '__proto__') rest[key] = value;
  return rest;
}
