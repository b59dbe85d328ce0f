import type { z } from 'zod';
import { formatPath } from '../config/zod-path.ts';
import { InvalidRequestError } from '../errors/index.ts';

/**
 * An admin request's body or query, checked by `schema`; anything else is
 * a 400 whose `param` names the first bad field (an unknown field by its
 * own name), so a mistyped `limts` is refused instead of ignored.
 */
export function parseAdminInput<S extends z.ZodType>(schema: S, input: unknown, what = 'The request body'): z.output<S> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidRequestError(`${what} must be a JSON object.`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const field = path.length === 0 ? null : formatPath(path);
  const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new InvalidRequestError(field === null ? message : `${field}: ${message}`, field);
}
