import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { closeAll, eventually, gatewayOver, startUpstreams, streamOnce, type CountedUpstream } from './helpers/deployments.ts';

describe('hedging', () => {
  let upstreams: CountedUpstream[];
  let gateway: RunningGateway;

  before(async () => {
    upstreams = await startUpstreams(['stalling', 'quick']);
    gateway = await gatewayOver(upstreams, {
      ledger: { path: ':memory:' },
      models: [
        {
          name: 'hedged',
          strategy: 'priority',
          hedge: { afterMs: 100 },
          deployments: [
            { target: 'stalling/m', price: { input: 1000, output: 1000 } },
            { target: 'quick/m', price: { input: 1, output: 1 } },
          ],
        },
      ],
    });
  });
  after(() => closeAll([gateway], upstreams));

  test('a hedge wins on the fast deployment, the loser is aborted at once, and both are in the ledger', async () => {
    const [stalling, quick] = upstreams;
    stalling.server.setControls({ ttftMs: 20_000 });
    let abortedAt = 0;
    stalling.server.events.once('abort', () => (abortedAt = Date.now()));
    const started = Date.now();
    const result = await streamOnce(gateway, 'hedged');
    const firstByteAt = Date.now();
    stalling.server.setControls(undefined);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('x-sluice-target'), 'quick/m');
    assert.equal(result.data.at(-1), '[DONE]');
    assert.equal(stalling.requests, 1);
    assert.equal(quick.requests, 1, 'one hedge, no more');
    assert.ok(firstByteAt - started < 8000, `answered after ${firstByteAt - started} ms`);
    await eventually(() => abortedAt !== 0, 2000, "the loser's upstream seeing its abort");
    // Aborted when the winner answered, long before its own first token (20 s) would have come.
    assert.ok(abortedAt - started < 8000, `the loser was aborted ${abortedAt - started} ms after the request`);
    await eventually(() => gateway.context.registry.running === 0, 2000, 'the stream settling');
    const totals = await gateway.context.usage.totals();
    assert.equal(totals.requests, 2, 'the winner and the loser are both rows');
    // The loser read the prompt at its price (1,000 $/M), which dwarfs the winner's whole answer at 1 $/M.
    assert.ok(totals.cost > 0.001, `cost ${totals.cost}`);
  });

  test('no hedge for an attempt that answers in time', async () => {
    const [stalling, quick] = upstreams;
    const before = [stalling.requests, quick.requests];
    await streamOnce(gateway, 'hedged');
    assert.deepEqual([stalling.requests - before[0], quick.requests - before[1]], [1, 0]);
  });
});
