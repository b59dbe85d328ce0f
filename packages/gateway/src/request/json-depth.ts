import { formatPath } from '../config/zod-path.ts';

/** How deep a request body may nest: far more than any real schema or message needs, far less than serialising can survive. */
export const MAX_JSON_DEPTH = 64;

/** What is wrong with a body's shape, at which field. */
export interface ShapeProblem {
  field: string;
  message: string;
}

/**
 * Walks a parsed JSON body without recursion (so that it cannot overflow
 * itself) and finds the first value nested deeper than `maxDepth`, or an
 * own `__proto__` key, which `JSON.parse` creates but object spreads and
 * merges would treat as the prototype. Null when the body is fine.
 */
export function findShapeProblem(body: unknown, maxDepth = MAX_JSON_DEPTH): ShapeProblem | null {
  const stack: Visit[] = [{ value: body, depth: 1, key: null, parent: null }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return { field: fieldOf(visit), message: `nested more than ${maxDepth} levels deep` };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, key: i, parent: visit });
      continue;
    }
    if (Object.hasOwn(value, '__proto__')) return { field: fieldOf({ value: null, depth, key: '__proto__', parent: visit }), message: '"__proto__" is not allowed as a key' };
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, depth: depth + 1, key, parent: visit });
  }
  return null;
}

/** A value to look at, and how it was reached (the path is rebuilt only for the one that is reported). */
interface Visit {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Visit | null;
}

/** The field to name: the path down to four levels, enough to say which part of the body it is. */
function fieldOf(visit: Visit): string {
  const path: (string | number)[] = [];
  for (let at: Visit | null = visit; at !== null && at.key !== null; at = at.parent) path.unshift(at.key);
  return formatPath(path.slice(0, 4)) || '(body)';
}
