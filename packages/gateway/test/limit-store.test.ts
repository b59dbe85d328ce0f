import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { budgetPeriod } from '../src/limits/budget-period.ts';
import type { AdmitRequest, LimitStore, LimitSubject } from '../src/limits/limit-store.ts';
import { MemoryLimitStore } from '../src/limits/memory-limit-store.ts';
import { RedisLimitStore } from '../src/limits/redis-limit-store.ts';

/** One suite, every LimitStore implementation. */
interface StoreKind {
  name: string;
  skip: string | false;
  make(heartbeatMs?: number): LimitStore;
}

const prefix = `sluice-test-${randomBytes(4).toString('hex')}:limits:`;
const kinds: StoreKind[] = [
  { name: 'memory', skip: false, make: () => new MemoryLimitStore() },
  {
    name: 'redis',
    skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)',
    make: (heartbeatMs = 1000) => new RedisLimitStore({ url: process.env.REDIS_URL ?? '', keyPrefix: prefix, heartbeatMs, commandTimeoutMs: 2000, onError: () => {} }),
  },
];

let serial = 0;
const subject = (limits: Omit<LimitSubject, 'id'>): LimitSubject => ({ id: `key:s${Date.now()}x${++serial}`, ...limits });
const lease = () => `lease${++serial}`;
const request = (subjects: LimitSubject[], extra: Partial<AdmitRequest> = {}): AdmitRequest => ({ lease: lease(), subjects, tokens: 0, cost: 0, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of kinds) {
  describe(`LimitStore: ${kind.name}`, { skip: kind.skip }, () => {
    async function withStore(run: (store: LimitStore) => Promise<void>): Promise<void> {
      const store = kind.make();
      try {
        await run(store);
      } finally {
        await store.close();
      }
    }

    test('rpm: the bucket holds a minute of requests, then refuses with the wait until one refills', () =>
      withStore(async (store) => {
        const key = subject({ rpm: 5 });
        for (let i = 0; i < 5; i++) assert.equal((await store.admit(request([key]))).admitted, true, `request ${i + 1}`);
        const refused = await store.admit(request([key]));
        assert.equal(refused.admitted, false);
        if (refused.admitted) return;
        assert.equal(refused.refusal.kind, 'rpm');
        assert.equal(refused.refusal.subject, key.id);
        // One request refills in 60 s / 5 = 12 s, less the little time the test took.
        assert.ok(refused.refusal.retryAfterMs! > 11_000 && refused.refusal.retryAfterMs! <= 12_000, String(refused.refusal.retryAfterMs));
        assert.equal(refused.states[0].requests!.remaining, 0);
        assert.equal(refused.states[0].requests!.limit, 5);
      }));

    test('buckets refill continuously', () =>
      withStore(async (store) => {
        // 60,000 a minute is one a millisecond: half the bucket taken takes 30 s to come back.
        const key = subject({ tpm: 60_000 });
        await store.admit(request([key], { tokens: 30_000 }));
        const before = (await store.usage(key)).tokens!.remaining;
        await sleep(50);
        const after = (await store.usage(key)).tokens!.remaining;
        assert.ok(after >= before + 40 && after < 60_000, `${before} -> ${after}`);
      }));

    test('tpm: admission takes the reservation; settlement gives back what was not used (max_tokens 1000, 10 used: 990 back)', () =>
      withStore(async (store) => {
        const key = subject({ tpm: 100_000 });
        const admitted = await store.admit(request([key], { tokens: 1010, lease: 'tpm-lease' }));
        assert.equal(admitted.admitted, true);
        assert.equal(admitted.states[0].tokens!.remaining, 100_000 - 1010);
        await store.settle({ lease: 'tpm-lease', subjects: [key], reservedTokens: 1010, usedTokens: 20, cost: 0 });
        const remaining = (await store.usage(key)).tokens!.remaining;
        // 990 back, plus what refilled meanwhile (100,000 a minute: under 200 in 100 ms).
        assert.ok(remaining >= 100_000 - 20 && remaining <= 100_000, String(remaining));
        const small = subject({ tpm: 60 });
        await store.admit(request([small], { tokens: 50, lease: 'small' }));
        await store.settle({ lease: 'small', subjects: [small], reservedTokens: 50, usedTokens: 10, cost: 0 });
        assert.equal((await store.usage(small)).tokens!.remaining, 50);
      }));

    test('tpm: too few tokens waits for the bucket; more than the whole limit can never pass', () =>
      withStore(async (store) => {
        const key = subject({ tpm: 600 });
        assert.equal((await store.admit(request([key], { tokens: 500 }))).admitted, true);
        const wait = await store.admit(request([key], { tokens: 200 }));
        assert.ok(!wait.admitted && wait.refusal.kind === 'tpm' && wait.refusal.retryAfterMs! > 9_000 && wait.refusal.retryAfterMs! <= 10_000, JSON.stringify(wait));
        const never = await store.admit(request([key], { tokens: 601 }));
        assert.ok(!never.admitted && never.refusal.kind === 'tpm' && never.refusal.retryAfterMs === null);
      }));

    test('concurrency: a lease per running request, free again at settlement', () =>
      withStore(async (store) => {
        const key = subject({ concurrency: 2 });
        const a = request([key]);
        assert.equal((await store.admit(a)).admitted, true);
        assert.equal((await store.admit(request([key]))).admitted, true);
        const third = await store.admit(request([key]));
        assert.ok(!third.admitted && third.refusal.kind === 'concurrency');
        assert.equal(third.states[0].running, 2);
        await store.settle({ lease: a.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0 });
        assert.equal((await store.admit(request([key]))).admitted, true);
      }));

    test('concurrent admissions: exactly the limit pass', () =>
      withStore(async (store) => {
        const key = subject({ concurrency: 10, rpm: 1000 });
        const results = await Promise.all(Array.from({ length: 50 }, () => store.admit(request([key]))));
        assert.equal(results.filter((r) => r.admitted).length, 10);
        assert.equal((await store.usage(key)).running, 10);
      }));

    test('budget: reservations count until settled; an extension gets what it asks for or what is left, down to its least; settlement replaces the reservation by the cost', () =>
      withStore(async (store) => {
        const key = subject({ budget: { usd: 1, period: 'day' } });
        const first = request([key], { cost: 0.4 });
        assert.equal((await store.admit(first)).admitted, true);
        const second = await store.admit(request([key], { cost: 0.4 }));
        assert.equal(second.admitted, true);
        assert.ok(Math.abs(second.states[0].budget!.remaining - 0.2) < 1e-9);
        const third = await store.admit(request([key], { cost: 0.4 }));
        assert.ok(!third.admitted && third.refusal.kind === 'budget');
        // A cent a token: 0.2 left is 20 tokens, not the 25 this extension needs at least.
        const cent = { usdPerToken: 0.01 };
        assert.deepEqual(await store.extend(first.lease, [key], { tokens: 30, minTokens: 25, ...cent }), { tokens: 0, budgetRemaining: third.states[0].budget!.remaining });
        const granted = await store.extend(first.lease, [key], { tokens: 15, minTokens: 15, ...cent });
        assert.equal(granted.tokens, 15);
        assert.ok(Math.abs(granted.budgetRemaining - 0.05) < 1e-9);
        // Short of what it asks for, an extension gets what is left, in whole tokens, down to its least.
        const partial = await store.extend(first.lease, [key], { tokens: 10, minTokens: 1, ...cent });
        assert.equal(partial.tokens, 5);
        assert.ok(partial.budgetRemaining < 1e-9, JSON.stringify(partial));
        assert.equal((await store.extend(first.lease, [key], { tokens: 10, minTokens: 1, ...cent })).tokens, 0);
        // The first request used 0.1 of the 0.6 it held: 0.5 is free again at once.
        await store.settle({ lease: first.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0.1 });
        const after = (await store.usage(key)).budget!;
        assert.ok(Math.abs(after.spent - 0.1) < 1e-9 && Math.abs(after.held - 0.4) < 1e-9 && Math.abs(after.remaining - 0.5) < 1e-9, JSON.stringify(after));
        assert.equal(after.resetsAt, budgetPeriod({ usd: 1, period: 'day' }).resetsAt);
        assert.equal((await store.admit(request([key], { cost: 0.5 }))).admitted, true);
      }));

    test('a queue: nobody passes an earlier waiter of the line; admitted or gone, a waiter leaves it', () =>
      withStore(async (store) => {
        const key = subject({ concurrency: 1 });
        const line = `queue:${key.id}`;
        const running = request([key]);
        assert.equal((await store.admit(running)).admitted, true);
        const [b, c, d, e] = [request([key], { line }), request([key], { line }), request([key], { line }), request([key], { line })];
        for (const waiter of [b, c, d]) {
          const refused = await store.admit(waiter);
          assert.ok(!refused.admitted && refused.refusal.kind === 'concurrency');
        }
        await store.settle({ lease: running.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0 });
        // The slot is free, but c and d came after b.
        for (const later of [d, c, e]) {
          const refused = await store.admit(later);
          assert.ok(!refused.admitted && refused.refusal.kind === 'queue', JSON.stringify(refused));
        }
        assert.equal((await store.admit(b)).admitted, true);
        await store.settle({ lease: b.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0 });
        // c gives up: d, next, is not held behind it.
        await store.leave(line, c.lease);
        assert.equal((await store.admit(d)).admitted, true);
        await store.settle({ lease: d.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0 });
        assert.equal((await store.admit(e)).admitted, true, 'the newcomer took its place at the end of the line');
        await store.settle({ lease: e.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0 });
        // The line is empty again: a newcomer passes at once.
        assert.equal((await store.admit(request([key], { line }))).admitted, true);
      }));

    test('budget: a period the store has not seen starts from the ledger spend', () =>
      withStore(async (store) => {
        const key = subject({ budget: { usd: 1, period: 'month' }, ledgerSpent: 0.9 });
        const refused = await store.admit(request([key], { cost: 0.2 }));
        assert.ok(!refused.admitted && refused.refusal.kind === 'budget');
        assert.ok(Math.abs(refused.states[0].budget!.spent - 0.9) < 1e-9);
        assert.equal((await store.admit(request([key], { cost: 0.1 }))).admitted, true);
        // Once the store holds the period, the ledger's figure (behind by what is running) no longer counts.
        assert.equal((await store.admit(request([{ ...key, ledgerSpent: 0 }], { cost: 0.1 }))).admitted, false);
      }));

    test('one refusing subject refuses the request for all: nothing is taken from the others', () =>
      withStore(async (store) => {
        const key = subject({ rpm: 10, tpm: 1000, concurrency: 5, budget: { usd: 1, period: 'total' } });
        const model = subject({ concurrency: 1 });
        assert.equal((await store.admit(request([key, model], { tokens: 100, cost: 0.1 }))).admitted, true);
        const refused = await store.admit(request([key, model], { tokens: 100, cost: 0.1 }));
        assert.ok(!refused.admitted && refused.refusal.kind === 'concurrency' && refused.refusal.subject === model.id);
        const state = await store.usage(key);
        // The buckets refill continuously (1,000 a minute: one token each 60 ms), so a slow machine
        // may see a token back; a second taking would leave 800.
        assert.equal(state.requests!.remaining, 9);
        assert.ok(state.tokens!.remaining >= 900 && state.tokens!.remaining < 950, `tokens remaining ${state.tokens!.remaining}`);
        assert.equal(state.running, 1);
        assert.ok(Math.abs(state.budget!.held - 0.1) < 1e-9);
        assert.equal(state.budget!.resetsAt, null);
      }));
  });
}

describe('LimitStore: redis leases', { skip: kinds[1].skip }, () => {
  test('the leases of a replica that stops renewing expire within three heartbeats, with their reservations; a live one renews', async () => {
    const heartbeatMs = 100;
    const dead = kinds[1].make(heartbeatMs);
    const alive = kinds[1].make(heartbeatMs);
    const observer = kinds[1].make(heartbeatMs);
    try {
      const key = subject({ concurrency: 4, budget: { usd: 1, period: 'day' } });
      assert.equal((await dead.admit(request([key], { cost: 0.25 }))).admitted, true);
      assert.equal((await alive.admit(request([key], { cost: 0.25 }))).admitted, true);
      await dead.close();
      await sleep(heartbeatMs * 3 + 50);
      const state = await observer.usage(key);
      assert.equal(state.running, 1, 'the live replica renewed its lease; the dead one did not');
      assert.ok(Math.abs(state.budget!.held - 0.25) < 1e-9, JSON.stringify(state.budget));
    } finally {
      await alive.close();
      await observer.close();
    }
  });
});

describe('LimitStore: redis queues', { skip: kinds[1].skip }, () => {
  test("a waiter's place expires within three heartbeats once its replica stops renewing it; a live replica's waiter keeps its place", async () => {
    const heartbeatMs = 100;
    const [dead, alive, other] = [kinds[1].make(heartbeatMs), kinds[1].make(heartbeatMs), kinds[1].make(heartbeatMs)];
    try {
      const key = subject({ concurrency: 1 });
      const line = `queue:${key.id}`;
      const running = request([key]);
      assert.equal((await other.admit(running)).admitted, true);
      const [first, second] = [request([key], { line }), request([key], { line })];
      assert.equal((await dead.admit(first)).admitted, false);
      assert.equal((await alive.admit(second)).admitted, false);
      await other.settle({ lease: running.lease, subjects: [key], reservedTokens: 0, usedTokens: 0, cost: 0 });
      const behind = await other.admit(request([key], { line }));
      assert.ok(!behind.admitted && behind.refusal.kind === 'queue', 'the waiters hold the line');
      await dead.close();
      await sleep(heartbeatMs * 4);
      // The dead replica's waiter is gone; the live one's, renewed meanwhile, is still ahead of a newcomer.
      const newcomer = await other.admit(request([key], { line }));
      assert.ok(!newcomer.admitted && newcomer.refusal.kind === 'queue', JSON.stringify(newcomer));
      assert.equal((await alive.admit(second)).admitted, true);
    } finally {
      await alive.close();
      await other.close();
    }
  });
});
