import { InvalidRequestError } from '../../errors/index.ts';

/**
 * A tool call's `arguments` (a JSON text) as the object providers that take
 * structured input need. An empty text is no arguments.
 */
export function parseToolArguments(text: string, field: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`${field}: not valid JSON`, field);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidRequestError(`${field}: must be a JSON object`, field);
  return value as Record<string, unknown>;
}
