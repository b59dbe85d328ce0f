import type { z } from 'zod';

/** `['messages', 0, 'role']` → `messages[0].role`, the way people write field names. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The first issue of a failed parse, as `field: message`, and the field alone. */
export function firstIssue(error: z.ZodError): { field: string | null; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: null, message: 'invalid value' };
  const field = issue.path.length > 0 ? formatPath(issue.path) : null;
  return { field, message: issue.message };
}
