import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { Caller } from '../src/auth/key-ring.ts';
import { RateLimitExceededError } from '../src/errors/limit-errors.ts';
import { MemoryLimitStore } from '../src/limits/memory-limit-store.ts';
import { engineOver, temporaryLedger } from './helpers/limit-engine.ts';

// Replicas sharing a store name their leases in one namespace. Two started in the same millisecond
// (Promise.all in a test, or two containers whose gateways are both pid 1) must not name the same lease,
// or one replica's lease overwrites the other's and a concurrency limit counts two streams as one.

const usage = temporaryLedger();
const caller: Caller = { id: 'k1', name: 'one', limits: { concurrency: 2 } };
const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

test('two engines made in the same millisecond over one store name different leases: concurrency 2 admits two, not three', async () => {
  const store = new MemoryLimitStore();
  mock.timers.enable({ apis: ['Date'], now: 1_800_000_000_000 });
  const make = () => engineOver(store, usage);
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
