import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway } from '@sluice/gateway';
import { chatBody } from './helpers/gateway.ts';
import { textOf } from './helpers/sse.ts';
import { closeAll, eventually, gatewayOver, startUpstreams, streamOnce, type CountedUpstream } from './helpers/deployments.ts';

describe('health: circuit breakers and first-token deadlines', () => {
  let upstreams: CountedUpstream[];
  let gateway: RunningGateway;

  before(async () => {
    upstreams = await startUpstreams(['flaky', 'steady', 'lonely']);
    gateway = await gatewayOver(upstreams, {
      models: [
        { name: 'pair', strategy: 'priority', deployments: [{ target: 'flaky/m' }, { target: 'steady/m' }] },
        { name: 'alone', target: 'lonely/m' },
        { name: 'impatient', strategy: 'priority', firstTokenTimeoutMs: 150, deployments: [{ target: 'flaky/m', id: 'flaky-impatient' }, { target: 'steady/m', id: 'steady-impatient' }] },
      ],
      retries: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 },
      health: { breaker: { failureThreshold: 3, cooldownMs: 400, halfOpenProbes: 1 } },
    });
  });
  after(() => closeAll([gateway], upstreams));

  const breakerOf = (deployment: string) => gateway.context.health.snapshot().find((d) => d.deployment === deployment)?.breaker;

  test('a deployment returning 500 opens its breaker after the threshold, gets no traffic while open, a probe after the cooldown, and closes on success', async () => {
    const [flaky, steady] = upstreams;
    flaky.server.setControls({ fault: { status: 500 } });
    // Each request fails over to the steady deployment: the client never sees the 500s.
    for (let i = 0; i < 3; i++) assert.equal((await streamOnce(gateway, 'pair')).headers.get('x-sluice-target'), 'steady/m');
    assert.equal(flaky.requests, 3);
    assert.equal(breakerOf('flaky/m'), 'open');
    for (let i = 0; i < 5; i++) assert.equal((await streamOnce(gateway, 'pair')).status, 200);
    assert.equal(flaky.requests, 3, 'an open breaker sends nothing to its deployment');
    assert.equal(steady.requests, 8);
    flaky.server.setControls(undefined);
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal(breakerOf('flaky/m'), 'half-open');
    const probe = await streamOnce(gateway, 'pair');
    assert.equal(probe.headers.get('x-sluice-target'), 'flaky/m', 'the probe went to the recovered deployment');
    assert.equal(flaky.requests, 4);
    assert.equal(breakerOf('flaky/m'), 'closed');
    for (let i = 0; i < 3; i++) await streamOnce(gateway, 'pair');
    assert.equal(flaky.requests, 7, 'closed again, it has the traffic back');
  });

  test('with every deployment open, requests fail at once with 503 no_healthy_deployment and Retry-After', async () => {
    const [, , lonely] = upstreams;
    lonely.server.setControls({ fault: { status: 503 } });
    for (let i = 0; i < 3; i++) assert.equal((await streamOnce(gateway, 'alone')).status, 502);
    const seen = lonely.requests;
    const refused = await streamOnce(gateway, 'alone');
    assert.equal(refused.status, 503);
    assert.equal(refused.body?.error.code, 'no_healthy_deployment');
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(lonely.requests, seen, 'refused without calling the upstream');
    lonely.server.setControls(undefined);
  });

  test('a first-token timeout fails over to the next deployment; the client sees one clean stream', async () => {
    const [flaky] = upstreams;
    flaky.server.setControls({ ttftMs: 3000 });
    const aborts = flaky.aborts;
    const started = Date.now();
    const body = chatBody({ model: 'impatient', stream: true, sim: { tokens: 6 } });
    const result = await streamOnce(gateway, 'impatient', { sim: { tokens: 6 } });
    const elapsed = Date.now() - started;
    flaky.server.setControls(undefined);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('x-sluice-target'), 'steady-impatient');
    assert.equal(textOf(result.data), simText({ ...body, model: 'm' } as never));
    assert.equal(result.data.filter((d) => d.includes('"role"')).length, 1, 'one stream: one role chunk');
    assert.equal(result.data.at(-1), '[DONE]');
    assert.ok(elapsed < 2000, `failed over after ${elapsed} ms`);
    await eventually(() => flaky.aborts > aborts, 2000, 'the slow upstream seeing its abort');
  });
});
