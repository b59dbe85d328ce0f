/** Heap attribution on real snapshots of this process: what was allocated between them is found, and charged to its owner. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { attribute } from '../src/heap/attribute.ts';

class IdleThing {
  readonly parts: { index: number; label: string }[] = [];
  readonly onEvent: () => number;
  constructor(index: number) {
    for (let i = 0; i < 8; i++) this.parts.push({ index: i, label: `part ${index}.${i}` });
    this.onEvent = () => index + this.parts.length;
  }
}

test('objects allocated between two snapshots are charged to the named class that holds them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-heap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const before = writeHeapSnapshot(join(dir, 'before.heapsnapshot'));
  const kept = Array.from({ length: 500 }, (_, i) => new IdleThing(i));
  const after = writeHeapSnapshot(join(dir, 'after.heapsnapshot'));
  const result = attribute(before, after, kept.length);
  const owner = result.byOwner.find((s) => s.name === 'IdleThing');
  assert.ok(owner, `IdleThing is an owner: ${JSON.stringify(result.byOwner.slice(0, 5))}`);
  // Itself, its array, 8 objects, 8 strings and a closure (with its context): at least 18 objects each.
  assert.ok(owner.objectsPerItem >= 18, `objects per IdleThing: ${owner.objectsPerItem}`);
  assert.ok(owner.bytesPerItem >= 8 * 16, `bytes per IdleThing: ${owner.bytesPerItem}`);
  assert.ok(result.byOwner[0].name === 'IdleThing', `the largest owner is IdleThing, not ${result.byOwner[0].name}`);
  const self = result.byKind.find((s) => s.name === 'IdleThing');
  assert.equal(self?.objectsPerItem, 1, 'one IdleThing object per item');
  assert.ok(result.bytesPerItem >= owner.bytesPerItem);
  assert.equal(kept.length, 500);
});
