import { InvalidRequestError } from '../../errors/index.ts';

/**
 * Provider-specific fields a request carries under the provider type's name
 * (`"anthropic": {"top_k": 5}`), laid over the translated body: objects are
 * merged key by key, anything else replaces what sluice put there.
 */
export function withExtras(body: Record<string, unknown>, extras: unknown, field: string): Record<string, unknown> {
  if (extras === undefined || extras === null) return body;
  if (!isPlainObject(extras)) throw new InvalidRequestError(`${field}: must be an object of provider-specific fields`, field);
  return merge(body, extras);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    // A JSON body can name "__proto__"; assigning it would change the object's prototype, not add a field.
    if (key === '__proto__') continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
