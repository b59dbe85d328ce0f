import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Caller } from '../src/auth/key-ring.ts';
import { resolveConfig } from '../src/config/load.ts';
import { LedgerSpend } from '../src/limits/ledger-spend.ts';
import { LimitSubjects } from '../src/limits/limit-subjects.ts';
import { temporaryLedger } from './helpers/limit-engine.ts';

// Admission asks for a caller's subjects and their ledger spend on every request; both are kept,
// and what is kept must follow the key when its limits change and the ledger when a new caller comes.

const usage = temporaryLedger();

const config = resolveConfig({
  providers: [{ id: 'up', type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' }],
  models: [{ name: 'auto', router: { default: 'm', rules: [] }, limits: { rpm: 5 } }, { name: 'm', target: 'up/m' }],
});

function record(keyId: string, cost: number): void {
  const at = Date.now();
  usage.record({ at, streamId: `s${at}${cost}`, endpoint: 'chat', key: keyId, keyId, team: 'blue', model: 'm', target: 'up/m', status: 'done', promptTokens: 1, completionTokens: 1, estimated: false, cost, ttftMs: 1, durationMs: 1, route: null, cached: false });
}

test("a caller's subjects are one array request after request; a changed key (a new Caller) gets its new limits", () => {
  const subjects = new LimitSubjects(config);
  const caller: Caller = { id: 'k1', name: 'one', limits: { rpm: 10 }, team: { name: 'blue', limits: { concurrency: 2 } } };
  const first = subjects.for(caller, 'm');
  assert.deepEqual(first, [
    { id: 'key:k1', rpm: 10 },
    { id: 'team:blue', concurrency: 2 },
  ]);
  assert.equal(subjects.for(caller, 'm'), first);
  // A router model adds its own subject, and the caller's kept array is not changed by it.
  assert.deepEqual(subjects.for(caller, 'auto').map((s) => s.id), ['key:k1', 'team:blue', 'model:auto']);
  assert.equal(subjects.for(caller, 'm').length, 2);
  const changed: Caller = { ...caller, limits: { rpm: 20 } };
  assert.deepEqual(subjects.for(changed, 'm')[0], { id: 'key:k1', rpm: 20 });
});

test('ledger spend is read once a period for a caller and filled into the same subjects', async () => {
  const subjects = new LimitSubjects(config);
  const spend = new LedgerSpend(usage, (error) => assert.fail(String(error)));
  record('k2', 0.25);
  record('k2', 0.5);
  const caller: Caller = { id: 'k2', name: 'two', limits: { budget: { usd: 10, period: 'day' } } };
  const own = subjects.for(caller, 'm');
  const read = await spend.fill(own, caller);
  assert.equal(read[0].ledgerSpent, 0.75);
  assert.equal(own[0].ledgerSpent, undefined, 'the kept subjects are not written to');
  // Known now: the next requests of the period get one filled array, synchronously.
  const again = spend.fill(own, caller);
  assert.ok(Array.isArray(again));
  assert.equal(again[0].ledgerSpent, 0.75);
  assert.equal(spend.fill(own, caller), again);
  // A caller whose key changed is a new subjects array: filled anew (from what this process read).
  const changed: Caller = { ...caller, limits: { budget: { usd: 20, period: 'day' } } };
  const refilled = spend.fill(subjects.for(changed, 'm'), changed);
  assert.ok(Array.isArray(refilled));
  assert.deepEqual(refilled[0], { id: 'key:k2', budget: { usd: 20, period: 'day' }, ledgerSpent: 0.75 });
  // Subjects without a budget need no ledger.
  const plain: Caller = { id: 'k3', name: 'three', limits: { rpm: 1 } };
  const none = subjects.for(plain, 'm');
  assert.equal(spend.fill(none, plain), none);
});
