import type { z } from 'zod';

/** The internals every zod schema exposes (`_zod.def`), as far as finding object keys needs them. */
interface SchemaDef {
  type: string;
  shape?: Record<string, Walkable>;
  innerType?: Walkable;
  element?: Walkable;
  options?: Walkable[];
}
interface Walkable {
  _zod: { def: SchemaDef };
}

/**
 * The keys an object in the schema accepts at `path` (as zod reports it),
 * looking through defaults, optionals, arrays and unions; empty when the
 * path leads to no object.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes = concrete(schema as unknown as Walkable);
  for (const step of path) nodes = nodes.flatMap((node) => concrete(...childOf(node, step)));
  return [...new Set(nodes.flatMap((node) => Object.keys(node._zod.def.shape ?? {})))];
}

/** The nearest known key to a misspelt one, if it is near enough to be what was meant. */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(unknown.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}

/** What a schema stands for once its wrappers (default, optional, union, …) are looked through. */
function concrete(...nodes: Walkable[]): Walkable[] {
  return nodes.flatMap((node) => {
    const def = node._zod.def;
    if (def.innerType !== undefined) return concrete(def.innerType);
    if (def.options !== undefined) return concrete(...def.options);
    return [node];
  });
}

/** An object's field or an array's element. */
function childOf(node: Walkable, step: PropertyKey): Walkable[] {
  const def = node._zod.def;
  const next = typeof step === 'number' ? def.element : def.shape?.[String(step)];
  return next === undefined ? [] : [next];
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
