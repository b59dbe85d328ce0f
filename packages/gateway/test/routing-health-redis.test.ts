import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { closeAll, eventually, gatewayOver, startUpstreams, streamOnce, type CountedUpstream } from './helpers/deployments.ts';

const skip = process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)';

describe('breakers shared by two replicas through Redis', { skip }, () => {
  let upstreams: CountedUpstream[];
  let replicas: RunningGateway[];

  before(async () => {
    upstreams = await startUpstreams(['failing', 'healthy']);
    const config = {
      redis: { url: process.env.REDIS_URL!, keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:` },
      models: [{ name: 'pair', strategy: 'priority' as const, deployments: [{ target: 'failing/m' }, { target: 'healthy/m' }] }],
      retries: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 },
      health: { breaker: { failureThreshold: 3, cooldownMs: 60_000 } },
    };
    replicas = [await gatewayOver(upstreams, config), await gatewayOver(upstreams, config)];
    await Promise.all(replicas.map((replica) => replica.context.health.ready));
  });
  after(() => closeAll(replicas, upstreams));

  test("one replica's failures open the breaker for the other, which then sends the deployment nothing", async () => {
    const [failing, healthy] = upstreams;
    const [first, second] = replicas;
    failing.server.setControls({ fault: { status: 500 } });
    for (let i = 0; i < 3; i++) assert.equal((await streamOnce(first, 'pair')).status, 200);
    assert.equal(failing.requests, 3);
    const stateOn = (replica: RunningGateway) => replica.context.health.snapshot().find((d) => d.deployment === 'failing/m')?.breaker;
    assert.equal(stateOn(first), 'open');
    await eventually(() => stateOn(second) === 'open', 5000, 'the second replica hearing of the failures');
    const served = healthy.requests;
    for (let i = 0; i < 5; i++) assert.equal((await streamOnce(second, 'pair')).headers.get('x-sluice-target'), 'healthy/m');
    assert.equal(failing.requests, 3, 'the second replica never tried the failing deployment');
    assert.equal(healthy.requests, served + 5);
  });
});
