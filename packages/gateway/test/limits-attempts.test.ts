import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway, unusedPort, upstreamProvider } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';
import { mostAtOnce } from './helpers/upstream-concurrency.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type ErrorBody = { error: { code: string; message: string } };

/**
 * Provider and alias limits count every attempt where it really goes: a
 * failover to a fallback, a hedge. Provider `a` cannot be reached (its
 * attempts fail at once), `b` takes one stream at a time, `c` is free.
 */
describe('limits of the target each attempt goes to', () => {
  let gateway: RunningGateway;
  let b: SimServer;
  let c: SimServer;

  before(async () => {
    b = await startSimServer();
    c = await startSimServer();
    gateway = await startTestGateway({
      providers: [
        { ...upstreamProvider('a', `http://127.0.0.1:${await unusedPort()}`), limits: { concurrency: 1, tpm: 100_000 } },
        { ...upstreamProvider('b', b.baseURL), limits: { concurrency: 1 } },
        upstreamProvider('c', c.baseURL),
      ],
      models: [
        { name: 'failover', target: 'a/m', fallbacks: ['b/m'] },
        { name: 'hedged', target: 'c/m', fallbacks: ['b/m'], hedge: { afterMs: 50 } },
        { name: 'through-alias', target: 'c/m', fallbacks: ['scarce'] },
        { name: 'scarce', target: 'c/other', limits: { rpm: 1 } },
      ],
      retries: { maxRetries: 0 },
    });
  });
  after(async () => {
    await gateway.close();
    await b.close();
    await c.close();
  });

  const running = async (id: string, limits: Record<string, number>) => (await gateway.context.limits.store.usage({ id, ...limits })).running;

  test('a fallback at its provider concurrency is not reached beyond it: the second request is a 429; the failed attempt and the finished stream free their slots', async () => {
    let second: Response | undefined;
    let firstTarget: string | null = null;
    const most = await mostAtOnce(b, async () => {
      const first = await postChat(gateway, chatBody({ model: 'failover', stream: true, sim: { tokens: 40, delayMs: 15 } }));
      assert.equal(first.status, 200);
      firstTarget = first.headers.get('x-sluice-target');
      // While the first runs on b: a's failed attempt holds nothing, b's stream its one slot.
      assert.equal(await running('provider:a', { concurrency: 1 }), 0);
      assert.equal(await running('provider:b', { concurrency: 1 }), 1);
      second = await postChat(gateway, chatBody({ model: 'failover', stream: true, sim: { tokens: 5 } }));
      await readSse(first);
    });
    assert.equal(firstTarget, 'b/m');
    assert.equal(most, 1, 'b never saw more than its one stream at once');
    assert.equal(second!.status, 429);
    const body = (await second!.json()) as ErrorBody;
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.match(body.error.message, /provider:b/);
    assert.ok(Number(second!.headers.get('retry-after')) >= 1);
    await sleep(50);
    assert.equal(await running('provider:b', { concurrency: 1 }), 0, 'the lease went with the stream');
    // a's TPM reservations were given back whole: its attempts never reached an upstream.
    const a = await gateway.context.limits.store.usage({ id: 'provider:a', tpm: 100_000 });
    assert.ok(a.tokens!.remaining > 100_000 - 100, JSON.stringify(a.tokens));
    const third = await postChat(gateway, chatBody({ model: 'failover', stream: true, sim: { tokens: 5 } }));
    assert.equal(third.status, 200);
    assert.equal(third.headers.get('x-sluice-target'), 'b/m');
    await readSse(third);
  });

  test('a hedge whose target is at its provider limit is not sent; the first attempt serves', async () => {
    let hedged: Response | undefined;
    const most = await mostAtOnce(b, async () => {
      const holder = await postChat(gateway, chatBody({ model: 'failover', stream: true, sim: { tokens: 40, delayMs: 15 } }));
      assert.equal(holder.status, 200);
      hedged = await postChat(gateway, chatBody({ model: 'hedged', stream: true, sim: { tokens: 5, ttftMs: 300 } }));
      await readSse(holder);
    });
    assert.equal(most, 1);
    assert.equal(hedged!.status, 200);
    assert.equal(hedged!.headers.get('x-sluice-target'), 'c/m');
    await readSse(hedged!);
  });

  test("a fallback alias's own limits count the attempts that reach it", async () => {
    // c/m refuses with a 503 for this key, so both requests fail over to the alias "scarce".
    const body = chatBody({ model: 'through-alias', stream: true, sim: { tokens: 5, fault: { status: 503, key: 'scarce-alias', times: 1 } } });
    const first = await postChat(gateway, body);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-sluice-target'), 'c/other');
    await readSse(first);
    const second = await postChat(gateway, chatBody({ model: 'through-alias', stream: true, sim: { tokens: 5, fault: { status: 503, key: 'scarce-alias-2', times: 1 } } }));
    assert.equal(second.status, 429);
    assert.match(((await second.json()) as ErrorBody).error.message, /model:scarce/);
  });
});
