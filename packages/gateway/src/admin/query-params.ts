import type { z } from 'zod';
import { dottedPath, requestIssue } from '../api/request-issue.ts';
import { InvalidRequestError } from '../errors/index.ts';

/** A query string parsed by `schema`, or a 400 naming the parameter that is wrong. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = requestIssue(parsed.error);
  const param = dottedPath(issue.path) || null;
  throw new InvalidRequestError(`Invalid query parameter${param === null ? '' : ` ${param}`}: ${issue.message}`, param);
}
