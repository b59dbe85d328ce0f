import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway, unusedPort } from './helpers/gateway.ts';
import { noRedisServer as skip, startRedis } from './helpers/redis-server.ts';

const auth = { authorization: 'Bearer sk-test-failing' };

describe('limits with Redis stopped mid-test', { skip }, () => {
  let redis: ChildProcess;
  let closed: RunningGateway;
  let open: RunningGateway;

  before(async () => {
    const port = await unusedPort();
    redis = (await startRedis(port)).child;
    const config = (failMode: 'closed' | 'open') => ({
      keys: [
        { name: 'failing', key: 'sk-test-failing', limits: { rpm: 1000, concurrency: 50 } },
        { name: 'unlimited', key: 'sk-test-unlimited' },
      ],
      // A provider with limits of its own: checked for each attempt, after the key's (none, for `unlimited`).
      providers: [{ id: 'capped', type: 'sim' as const, limits: { concurrency: 10 } }],
      redis: { url: `redis://127.0.0.1:${port}`, keyPrefix: `fail-${failMode}:`, heartbeatMs: 200 },
      limits: { failMode, redisTimeoutMs: 300 },
    });
    closed = await startTestGateway(config('closed'));
    open = await startTestGateway(config('open'));
  });
  after(async () => {
    redis.kill('SIGKILL');
    await Promise.all([closed.close(), open.close()]);
  });

  test('with Redis up both count; stopped, fail-closed answers 503 limits_unavailable and fail-open admits and counts it in a metric', { timeout: 20_000 }, async () => {
    for (const gateway of [closed, open]) {
      const response = await postChat(gateway, chatBody(), auth);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '999');
    }
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));

    const refused = await postChat(closed, chatBody({ stream: true }), auth);
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'limits_unavailable');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const attemptRefused = await postChat(closed, chatBody({ model: 'capped/x', stream: true }), { authorization: 'Bearer sk-test-unlimited' });
    assert.equal(attemptRefused.status, 503);
    assert.equal(((await attemptRefused.json()) as { error: { code: string } }).error.code, 'limits_unavailable');
    const attemptAdmitted = await postChat(open, chatBody({ model: 'capped/x', stream: true }), { authorization: 'Bearer sk-test-unlimited' });
    assert.equal(attemptAdmitted.status, 200);
    await attemptAdmitted.arrayBuffer();

    for (let i = 0; i < 3; i++) {
      const admitted = await postChat(open, chatBody({ stream: true }), auth);
      assert.equal(admitted.status, 200);
      assert.equal(admitted.headers.get('x-ratelimit-remaining-requests'), null, 'uncounted: no limit to report');
      await admitted.arrayBuffer();
    }
    const metrics = await (await fetch(`${open.url}/metrics`, { headers: auth })).text();
    assert.match(metrics, /^sluice_limits_fail_open_total 4$/m);
  });
});
