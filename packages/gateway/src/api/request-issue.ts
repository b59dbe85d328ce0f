import { z } from 'zod';

/** The field a validation failure is about, and what is wrong with it. */
export interface RequestIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * The most useful issue of a failed parse. A union (`string | blocks`)
 * reports "Invalid input" at its own path with one list of issues per
 * alternative; the alternative that was meant is the one whose issues are
 * not about the base type, and its issue names the field that is wrong.
 */
export function requestIssue(error: z.ZodError): RequestIssue {
  const issue = error.issues[0];
  if (issue === undefined) return { path: [], message: 'invalid value' };
  return resolve(issue, []);
}

function resolve(issue: z.core.$ZodIssue, prefix: PropertyKey[]): RequestIssue {
  const path = [...prefix, ...issue.path];
  // A union given its own message (an unknown block type, say) says it best.
  if (issue.code !== 'invalid_union' || issue.errors.length === 0 || issue.message !== 'Invalid input') return { path, message: issue.message };
  const meant = issue.errors.filter((alternative) => !(alternative.length === 1 && alternative[0].code === 'invalid_type' && alternative[0].path.length === 0));
  if (meant.length === 1 && meant[0].length > 0) return resolve(meant[0][0], path);
  const expected = issue.errors.flatMap((alternative) => (alternative[0]?.code === 'invalid_type' ? [alternative[0].expected] : []));
  return { path, message: expected.length === issue.errors.length ? `expected ${expected.join(' or ')}` : issue.message };
}

/** Anthropic's and OpenAI's way of writing a field: `messages.0.content.1.type`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}


/**
 * A union of objects told apart by `type`, whose unknown or missing type is
 * reported as such ("unknown content block type "foo"") at `<path>.type`.
 */
export function taggedUnion<const Options extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(what: string, options: Options) {
  return z.discriminatedUnion('type', options, {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      return type === undefined ? `a ${what} needs a "type"` : `unknown ${what} type ${JSON.stringify(type)}`;
    },
  });
}
