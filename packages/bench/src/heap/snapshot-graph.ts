/**
 * A V8 heap snapshot (`.heapsnapshot`, as `--heapsnapshot-signal` or
 * `v8.writeHeapSnapshot` writes it) read as a graph: each node's kind, name,
 * id and own size, and its parent on a shortest strong path from the root.
 * Node ids are stable within one process, so the nodes of a later snapshot
 * whose ids an earlier one lacks are what was allocated (and kept) between.
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export class SnapshotGraph {
  readonly count: number;
  readonly #raw: RawSnapshot;
  readonly #width: number;
  readonly #field: { type: number; name: number; id: number; size: number };
  readonly #types: string[];
  /** Parent on a shortest strong path from the root; -1 when unreachable. */
  readonly #parent: Int32Array;

  constructor(file: string) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
    const fields = raw.snapshot.meta.node_fields;
    this.#raw = raw;
    this.#width = fields.length;
    this.#field = { type: fields.indexOf('type'), name: fields.indexOf('name'), id: fields.indexOf('id'), size: fields.indexOf('self_size') };
    this.#types = raw.snapshot.meta.node_types[0];
    this.count = raw.nodes.length / this.#width;
    this.#parent = shortestPathParents(raw, this.#width, fields.indexOf('edge_count'));
  }

  type(node: number): string {
    return this.#types[this.#raw.nodes[node * this.#width + this.#field.type]];
  }

  name(node: number): string {
    return this.#raw.strings[this.#raw.nodes[node * this.#width + this.#field.name]];
  }

  id(node: number): number {
    return this.#raw.nodes[node * this.#width + this.#field.id];
  }

  size(node: number): number {
    return this.#raw.nodes[node * this.#width + this.#field.size];
  }

  parent(node: number): number {
    return this.#parent[node];
  }

  ids(): Set<number> {
    const ids = new Set<number>();
    for (let node = 0; node < this.count; node++) ids.add(this.id(node));
    return ids;
  }

  /** A name to group by: the constructor for objects, the kind for strings, code, arrays and V8's internals. */
  group(node: number): string {
    const type = this.type(node);
    const name = this.name(node);
    if (type === 'object' || type === 'native') return name.slice(0, 60);
    if (type === 'closure') return `(closure) ${name}`.trimEnd();
    if (type === 'hidden' || type === 'object shape') return `(${name.slice(0, 40)})`;
    return `(${type})`;
  }
}

/** Breadth-first from the root (node 0) over strong edges, so each node's parent is on a shortest retaining path. */
function shortestPathParents(raw: RawSnapshot, width: number, edgeCountAt: number): Int32Array {
  const edgeFields = raw.snapshot.meta.edge_fields;
  const edgeWidth = edgeFields.length;
  const typeAt = edgeFields.indexOf('type');
  const toAt = edgeFields.indexOf('to_node');
  const edgeTypes = raw.snapshot.meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const count = raw.nodes.length / width;
  const firstEdge = new Uint32Array(count + 1);
  for (let node = 0, edge = 0; node < count; node++) {
    firstEdge[node] = edge;
    edge += raw.nodes[node * width + edgeCountAt] * edgeWidth;
    firstEdge[node + 1] = edge;
  }
  const parent = new Int32Array(count).fill(-1);
  const queue = new Uint32Array(count);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = 0;
  while (head < tail) {
    const node = queue[head++];
    for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge += edgeWidth) {
      const type = raw.edges[edge + typeAt];
      if (type === weak || type === shortcut) continue;
      const to = raw.edges[edge + toAt] / width;
      if (parent[to] !== -1) continue;
      parent[to] = node;
      queue[tail++] = to;
    }
  }
  return parent;
}
