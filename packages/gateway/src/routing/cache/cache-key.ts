import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '@sluice/protocol';

/**
 * Fields that change how an answer is delivered, not what it says: a
 * streamed and a whole answer to the same question share one entry, and so
 * do clients that ask for usage or not (the stream's encoder adds or strips
 * it). `model` is replaced by the resolved alias.
 */
const DELIVERY_FIELDS = new Set(['model', 'stream', 'stream_options']);

/**
 * The cache key of a request: SHA-256 of its normalised body (object keys
 * sorted, delivery fields left out) and the alias it resolved to, so a
 * router model's decision is part of the key.
 */
export function cacheKeyOf(alias: string, request: ChatCompletionRequest): string {
  const hash = createHash('sha256');
  hash.update(alias).update('\u0000');
  hash.update(canonical(request, true));
  return hash.digest('base64url');
}

/** JSON with object keys in sorted order, so the same body written in another order is the same key. */
function canonical(value: unknown, top = false): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item)).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const keys = Object.keys(value)
    .filter((key) => !(top && DELIVERY_FIELDS.has(key)) && (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
}
