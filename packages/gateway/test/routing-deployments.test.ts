import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { closeAll, gatewayOver, inParallel, startUpstreams, streamOnce, type CountedUpstream } from './helpers/deployments.ts';

describe('deployments: weights and strategies', () => {
  let upstreams: CountedUpstream[];
  let gateway: RunningGateway;

  before(async () => {
    upstreams = await startUpstreams(['a', 'b', 'c']);
    gateway = await gatewayOver(upstreams, {
      models: [
        { name: 'spread', strategy: 'weighted', deployments: [{ target: 'a/m', weight: 1 }, { target: 'b/m', weight: 1 }, { target: 'c/m', weight: 2 }] },
        // Ids of their own, so that what the other tests send to a and b does not enter these estimates.
        { name: 'fastest', strategy: 'latency', deployments: [{ target: 'a/m', id: 'a-latency' }, { target: 'b/m', id: 'b-latency' }] },
        { name: 'cheapest', strategy: 'cost', deployments: [{ target: 'a/m', price: { input: 3, output: 3 } }, { target: 'b/m', price: { input: 1, output: 1 } }] },
        { name: 'ordered', strategy: 'priority', deployments: [{ target: 'c/m' }, { target: 'a/m' }] },
        { name: 'single', target: 'a/m' },
        { name: 'limited', strategy: 'priority', deployments: [{ target: 'a/m', id: 'a-limited', limits: { rpm: 2 } }, { target: 'b/m' }] },
        { name: 'only-limited', deployments: [{ target: 'c/m', id: 'c-limited', limits: { rpm: 1 } }] },
      ],
    });
  });
  after(() => closeAll([gateway], upstreams));

  const counts = () => upstreams.map((u) => u.requests);
  const since = (before: number[]) => counts().map((n, i) => n - before[i]);

  test('weights are honoured within 5 % over 2,000 requests', async () => {
    const start = counts();
    await inParallel(2000, 16, async () => assert.equal((await streamOnce(gateway, 'spread')).status, 200));
    const [a, b, c] = since(start);
    assert.equal(a + b + c, 2000);
    // Expected 500 / 500 / 1,000; 5 % of the requests is 100.
    for (const [got, expected] of [[a, 500], [b, 500], [c, 1000]]) assert.ok(Math.abs(got - expected) <= 100, `${a} / ${b} / ${c}`);
  });

  test('latency moves traffic away from a slowed deployment within 50 requests', async () => {
    const [a, b] = upstreams;
    // b starts slower, so a carries the traffic…
    b.server.setControls({ ttftMs: 100 });
    for (let i = 0; i < 10; i++) await streamOnce(gateway, 'fastest');
    let start = counts();
    for (let i = 0; i < 20; i++) await streamOnce(gateway, 'fastest');
    assert.ok(since(start)[0] >= 16, `a served ${since(start)[0]} of 20 while it was the faster`);
    // …until a slows down far more than b.
    a.server.setControls({ ttftMs: 400 });
    b.server.setControls(undefined);
    start = counts();
    for (let i = 0; i < 25; i++) await streamOnce(gateway, 'fastest');
    const early = since(start);
    start = counts();
    for (let i = 0; i < 25; i++) await streamOnce(gateway, 'fastest');
    const late = since(start);
    a.server.setControls(undefined);
    assert.ok(early[0] <= 5, `a still served ${early[0]} of the first 25 after slowing down`);
    assert.equal(late[0], 0, `a served ${late[0]} of the next 25`);
  });

  test('cost picks the cheapest deployment, priority the first, and the chosen one is in x-sluice-target', async () => {
    let start = counts();
    const cheap = await streamOnce(gateway, 'cheapest');
    assert.deepEqual(since(start), [0, 1, 0]);
    assert.equal(cheap.headers.get('x-sluice-target'), 'b/m');
    start = counts();
    const ordered = await streamOnce(gateway, 'ordered');
    assert.deepEqual(since(start), [0, 0, 1]);
    assert.equal(ordered.headers.get('x-sluice-target'), 'c/m');
    assert.equal((await streamOnce(gateway, 'single')).headers.get('x-sluice-target'), 'a/m');
  });

  test('a deployment at its own limits is skipped for the next; with none left the request is a 429', async () => {
    const served = [];
    for (let i = 0; i < 4; i++) served.push((await streamOnce(gateway, 'limited')).headers.get('x-sluice-target'));
    assert.deepEqual(served, ['a-limited', 'a-limited', 'b/m', 'b/m']);
    assert.equal((await streamOnce(gateway, 'only-limited')).status, 200);
    const refused = await streamOnce(gateway, 'only-limited');
    assert.equal(refused.status, 429);
    assert.equal(refused.body?.error.code, 'rate_limit_exceeded');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });
});
