/**
 * What N more items (idle streams) are made of, from two heap snapshots of
 * one process: the objects allocated between them and still alive, grouped
 * two ways, in bytes per item:
 * - by owner: the nearest object on the shortest retaining path that is an
 *   instance of a named class (`Generation`, `Socket`, undici's `Client`…),
 *   so an `Object`, array, closure or promise counts for whoever holds it;
 * - by kind: constructor, closure or V8-internal kind of the object itself.
 */
import { SnapshotGraph } from './snapshot-graph.ts';

export interface Share {
  name: string;
  bytesPerItem: number;
  objectsPerItem: number;
}

export interface Attribution {
  /** JS heap bytes per item, all new objects. */
  bytesPerItem: number;
  byOwner: Share[];
  byKind: Share[];
}

/** Plain containers and V8's internals are never the owner: they are what owners are made of. */
const NOT_OWNERS = new Set(['Object', 'Array', 'Map', 'Set', 'Promise', 'Generator', 'WeakRef', 'WeakMap', 'AsyncFunction', '']);
const MAX_HOPS = 64;

export function attribute(beforeFile: string, afterFile: string, items: number): Attribution {
  const before = new SnapshotGraph(beforeFile).ids();
  const after = new SnapshotGraph(afterFile);
  const isOwner = (node: number): boolean => after.type(node) === 'object' && !NOT_OWNERS.has(after.name(node)) && !after.name(node).startsWith('system /');
  const owners = new Tally();
  const kinds = new Tally();
  let total = 0;
  for (let node = 1; node < after.count; node++) {
    if (before.has(after.id(node))) continue;
    const size = after.size(node);
    total += size;
    kinds.add(after.group(node), size);
    let owner = node;
    for (let hops = 0; owner > 0 && !isOwner(owner) && hops < MAX_HOPS; hops++) owner = after.parent(owner);
    owners.add(owner <= 0 ? '(held from the roots)' : after.name(owner), size);
  }
  return { bytesPerItem: total / items, byOwner: owners.shares(items), byKind: kinds.shares(items) };
}

class Tally {
  readonly #groups = new Map<string, { bytes: number; count: number }>();

  add(name: string, bytes: number): void {
    const group = this.#groups.get(name);
    if (group === undefined) this.#groups.set(name, { bytes, count: 1 });
    else {
      group.bytes += bytes;
      group.count++;
    }
  }

  shares(items: number): Share[] {
    return [...this.#groups]
      .map(([name, g]) => ({ name, bytesPerItem: g.bytes / items, objectsPerItem: g.count / items }))
      .sort((a, b) => b.bytesPerItem - a.bytesPerItem);
  }
}
