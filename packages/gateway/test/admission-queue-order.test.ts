import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionQueue } from '../src/limits/admission-queue.ts';
import type { AdmitResult, LimitSubject } from '../src/limits/limit-store.ts';
import { MemoryLimitStore } from '../src/limits/memory-limit-store.ts';

// The store keeps a queue's order; a replica's AdmissionQueue lets only its first local waiter ask. When the
// store's order and the local one differ (a waiter whose place expired while its replica stalled comes back
// last), the waiter the store puts first must be asked for, or the line waits for nobody until maxWaitMs.

const subjects: LimitSubject[] = [{ id: 'key:k', concurrency: 1 }];
const LINE = 'queue:k';

test('a waiter the store puts first in line asks, though another waits before it here', async () => {
  const store = new MemoryLimitStore();
  const queue = new AdmissionQueue();
  const admitOnce = (lease: string) => store.admit({ lease, subjects, tokens: 0, cost: 0, line: LINE });
  const wait = (lease: string) =>
    queue.admit('k', lease, () => admitOnce(lease), () => void store.leave(LINE, lease), { maxWaitMs: 4000 }).then((result: AdmitResult | null) => {
      admittedAt.set(lease, performance.now());
      return result;
    });
  const admittedAt = new Map<string, number>();

  assert.equal((await store.admit({ lease: 'hog', subjects, tokens: 0, cost: 0 })).admitted, true);
  const first = wait('w1');
  await new Promise((r) => setTimeout(r, 20));
  const second = wait('w2');
  await new Promise((r) => setTimeout(r, 20));
  // w1's place expires (as a dead replica's would): the store's line is w2 alone, and w1 comes back behind it.
  await store.leave(LINE, 'w1');
  await new Promise((r) => setTimeout(r, 120));

  const freedAt = performance.now();
  await store.settle({ lease: 'hog', subjects, reservedTokens: 0, usedTokens: 0, cost: 0 });
  const w2 = await second;
  assert.equal(w2?.admitted, true, JSON.stringify(w2));
  assert.ok(admittedAt.get('w2')! - freedAt < 1000, `w2 was admitted ${Math.round(admittedAt.get('w2')! - freedAt)} ms after the slot freed`);
  assert.equal(admittedAt.has('w1'), false, 'w1 waits behind w2, as the store orders them');
  await store.settle({ lease: 'w2', subjects, reservedTokens: 0, usedTokens: 0, cost: 0 });
  const w1 = await first;
  assert.equal(w1?.admitted, true, JSON.stringify(w1));
});
