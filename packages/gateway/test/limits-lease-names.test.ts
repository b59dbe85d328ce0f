import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import pino from 'pino';
import type { Caller } from '../src/auth/key-ring.ts';
import { SqliteUsageStore } from '../src/billing/sqlite-usage-store.ts';
import { resolveConfig } from '../src/config/load.ts';
import { RateLimitExceededError } from '../src/errors/limit-errors.ts';
import { LimitEngine } from '../src/limits/limit-engine.ts';
import { MemoryLimitStore } from '../src/limits/memory-limit-store.ts';

// Replicas sharing a store name their leases in one namespace. Two started in the same millisecond
// (Promise.all in a test, or two containers whose gateways are both pid 1) must not name the same lease,
// or one replica's lease overwrites the other's and a concurrency limit counts two streams as one.

const dir = mkdtempSync(join(tmpdir(), 'sluice-leases-'));
const usage = new SqliteUsageStore(join(dir, 'ledger.db'), (error) => {
  throw error;
});
after(() => usage.close());

const config = resolveConfig({
  providers: [{ id: 'up', type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' }],
  models: [{ name: 'm', target: 'up/m' }],
});
const caller: Caller = { id: 'k1', name: 'one', limits: { concurrency: 2 } };
const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

test('two engines made in the same millisecond over one store name different leases: concurrency 2 admits two, not three', async () => {
  const store = new MemoryLimitStore();
  mock.timers.enable({ apis: ['Date'], now: 1_800_000_000_000 });
  const make = () => new LimitEngine({ config, store, usage, logger: pino({ level: 'silent' }), onFailOpen: () => assert.fail('the store does not fail') });
  const [a, b] = [make(), make()];
  mock.timers.reset();
  const onA = await a.admit(caller, request, []);
  const onB = await b.admit(caller, request, []);
  await assert.rejects(a.admit(caller, request, []), (error: unknown) => error instanceof RateLimitExceededError && /concurrency/i.test(error.message));
  // B's stream ending frees B's slot only: A's stream still holds the other.
  onB.settle(undefined);
  await new Promise((resolve) => setImmediate(resolve));
  const third = await a.admit(caller, request, []);
  await assert.rejects(b.admit(caller, request, []), RateLimitExceededError);
  onA.settle(undefined);
  third.settle(undefined);
});
