import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import { keySubject } from '../src/limits/limit-subjects.ts';
import { chatBody, postChat, startGatewayWithUpstream, startTestGateway, type UpstreamRig } from './helpers/gateway.ts';
import { readSse } from './helpers/sse.ts';
import { MultiplexClient } from './helpers/ws.ts';
import { mostAtOnce } from './helpers/upstream-concurrency.ts';

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type ErrorBody = { error: { code: string; type: string; message: string } };

function limited(keys: NonNullable<SluiceConfigInput['keys']>, extra: SluiceConfigInput = {}): Promise<RunningGateway> {
  return startTestGateway({ keys, ...extra });
}

describe('limits at admission (memory store)', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await limited(
      [
        { name: 'rpm3', key: 'sk-test-rpm3', limits: { rpm: 3 } },
        { name: 'tpm', key: 'sk-test-tpm', limits: { tpm: 2000 } },
        { name: 'tiny-budget', key: 'sk-test-tiny', limits: { budget: { usd: 0.0001, period: 'day' } } },
        { name: 'one-at-a-time', key: 'sk-test-one', limits: { concurrency: 1 } },
        { name: 'free', key: 'sk-test-free' },
      ],
      { models: [{ name: 'priced', target: 'sim/priced', price: { input: 1, output: 1000 } }, { name: 'scarce', target: 'sim/scarce', limits: { rpm: 1 } }] },
    );
  });
  after(() => gateway.close());

  test('every response carries the x-ratelimit headers; past rpm: 429 rate_limit_exceeded with Retry-After and retry-after-ms', async () => {
    const seen: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await postChat(gateway, chatBody({ stream: i % 2 === 0 }), auth('sk-test-rpm3'));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-ratelimit-limit-requests'), '3');
      seen.push(response.headers.get('x-ratelimit-remaining-requests'));
      assert.match(response.headers.get('x-ratelimit-reset-requests')!, /^(\d+(\.\d+)?s|\d+ms)$/);
      await response.arrayBuffer();
    }
    assert.deepEqual(seen, ['2', '1', '0']);
    const refused = await postChat(gateway, chatBody(), auth('sk-test-rpm3'));
    assert.equal(refused.status, 429);
    const body = (await refused.json()) as ErrorBody;
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'requests');
    const ms = Number(refused.headers.get('retry-after-ms'));
    // One request of three a minute refills in 20 s (less what refilled while the test ran).
    assert.ok(ms > 15_000 && ms <= 20_000, String(ms));
    assert.equal(refused.headers.get('retry-after'), String(Math.ceil(ms / 1000)));
    assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0');
  });

  test('a key without limits gets no limit headers and pays no limit', async () => {
    const response = await postChat(gateway, chatBody(), auth('sk-test-free'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), null);
  });

  test('TPM: a stream with max_tokens 1000 that produced 10 tokens gives 990 back when it settles', async () => {
    const caller = { id: 'config:tpm', limits: { tpm: 2000 } };
    const store = gateway.context.limits.store;
    const response = await postChat(gateway, chatBody({ stream: true, max_tokens: 1000, sim: { tokens: 10, delayMs: 30 } }), auth('sk-test-tpm'));
    const during = (await store.usage(keySubject(caller)!)).tokens!.remaining;
    // The header was written a moment before the store was read: the bucket (2,000 a minute, one token
    // each 30 ms) may have refilled a token or two in between on a loaded machine.
    const header = Number(response.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(during >= header && during - header <= 5, `header ${header}, store ${during}`);
    await readSse(response);
    await sleep(20);
    const afterwards = (await store.usage(keySubject(caller)!)).tokens!.remaining;
    // 990 back, plus what refilled in the half second the stream ran (2000 a minute: about 17).
    assert.ok(afterwards - during >= 990 && afterwards - during <= 1010, `${during} -> ${afterwards}`);
  });

  test('a request larger than the TPM limit is refused, saying so', async () => {
    const response = await postChat(gateway, chatBody({ max_tokens: 5000 }), auth('sk-test-tpm'));
    assert.equal(response.status, 429);
    assert.match(((await response.json()) as ErrorBody).error.message, /more than the tokens-per-minute limit/);
  });

  test('a budget that cannot cover the reservation: 429 insufficient_quota, with the budget left in a header', async () => {
    const response = await postChat(gateway, chatBody({ model: 'priced', stream: true }), auth('sk-test-tiny'));
    assert.equal(response.status, 429);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.code, 'insufficient_quota');
    assert.equal(body.error.type, 'insufficient_quota');
    assert.equal(response.headers.get('x-sluice-budget-remaining'), '0.000100');
    // The free model costs nothing and passes.
    assert.equal((await postChat(gateway, chatBody(), auth('sk-test-tiny'))).status, 200);
  });

  test('a model alias has limits of its own, across keys', async () => {
    assert.equal((await postChat(gateway, chatBody({ model: 'scarce' }), auth('sk-test-free'))).status, 200);
    const refused = await postChat(gateway, chatBody({ model: 'scarce' }), auth('sk-test-one'));
    assert.equal(refused.status, 429);
    assert.match(((await refused.json()) as ErrorBody).error.message, /model:scarce/);
  });

  test('Messages and Responses are admitted on the same path, and refused in their own shapes', async () => {
    const stream = await postChat(gateway, chatBody({ stream: true, sim: { tokens: 50, delayMs: 20 } }), auth('sk-test-one'));
    const messages = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test-one' }, body: JSON.stringify({ model: 'sim/x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(messages.status, 429);
    const anthropic = (await messages.json()) as { type: string; error: { type: string } };
    assert.equal(anthropic.type, 'error');
    assert.equal(messages.headers.get('x-ratelimit-remaining-requests'), null, 'concurrency only: no request bucket to report');
    const responses = await fetch(`${gateway.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth('sk-test-one') }, body: JSON.stringify({ model: 'sim/x', input: 'hi' }) });
    assert.equal(responses.status, 429);
    assert.equal(((await responses.json()) as ErrorBody).error.code, 'rate_limit_exceeded');
    await readSse(stream);
  });

  test('over WebSocket a 429 for one request leaves the socket and its other streams running', async () => {
    const client = await MultiplexClient.connect(gateway, ['sluice.v1', 'bearer.sk-test-one']);
    try {
      const first = client.request('a', chatBody({ sim: { tokens: 20, delayMs: 20 } }));
      await client.next((m) => m.type === 'accepted' && m.id === 'a');
      const refused = await client.request('b', chatBody());
      assert.equal(refused.end.type, 'error');
      assert.equal((refused.end as { error: { code: string } }).error.code, 'rate_limit_exceeded');
      const done = await first;
      assert.equal(done.end.type, 'done');
      assert.equal(done.chunks.length > 10, true);
      // The slot is free again once the first stream settled.
      await sleep(20);
      assert.equal((await client.request('c', chatBody())).end.type, 'done');
    } finally {
      client.close();
    }
  });
});

describe('concurrency leases', () => {
  let rig: UpstreamRig;
  before(async () => {
    rig = await startGatewayWithUpstream({ keys: [{ name: 'five', key: 'sk-test-five', limits: { concurrency: 5 } }] });
  });
  after(() => rig.close());

  const running = async () => (await rig.gateway.context.limits.store.usage(keySubject({ id: 'config:five', limits: { concurrency: 5 } })!)).running;

  async function waitFor(what: () => Promise<boolean>, ms: number): Promise<number> {
    const start = performance.now();
    while (!(await what())) {
      if (performance.now() - start > ms) throw new Error(`not within ${ms} ms`);
      await sleep(2);
    }
    return performance.now() - start;
  }

  test('the upstream never sees more than 5 of the key at once; the rest are refused', async () => {
    const most = await mostAtOnce(rig.upstream, async () => {
      const responses = await Promise.all(Array.from({ length: 12 }, () => postChat(rig.gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 10, delayMs: 20 } }), auth('sk-test-five'))));
      assert.equal(responses.filter((r) => r.status === 200).length, 5);
      assert.equal(responses.filter((r) => r.status === 429).length, 7);
      await Promise.all(responses.map((r) => r.arrayBuffer()));
    });
    assert.ok(most <= 5, `upstream saw ${most} at once`);
  });

  test('a cancelled stream and a disconnected client free their slot within 100 ms', async () => {
    await waitFor(async () => (await running()) === 0, 1000);
    const body = chatBody({ model: 'up/m', stream: true, sim: { tokens: 1000, delayMs: 20 } });
    const controller = new AbortController();
    const plain = await postChat(rig.gateway, body, auth('sk-test-five'), controller.signal);
    const resumable = await postChat(rig.gateway, body, { ...auth('sk-test-five'), 'x-sluice-resumable': '1' });
    assert.equal(await running(), 2);
    controller.abort();
    const freedOnDisconnect = await waitFor(async () => (await running()) === 1, 1000);
    assert.ok(freedOnDisconnect <= 100, `${freedOnDisconnect} ms after the disconnect`);
    const id = resumable.headers.get('x-sluice-stream-id')!;
    const token = resumable.headers.get('x-sluice-stream-token')!;
    const reading = readSse(resumable);
    const cancel = await fetch(`${rig.gateway.baseURL}/streams/${id}?token=${token}`, { method: 'DELETE' });
    assert.equal(cancel.status, 204);
    const freedOnCancel = await waitFor(async () => (await running()) === 0, 1000);
    assert.ok(freedOnCancel <= 100, `${freedOnCancel} ms after the cancel`);
    await reading;
  });

  test('a resumable stream whose client left holds its slot while it lingers', async () => {
    const controller = new AbortController();
    const response = await postChat(rig.gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 30, delayMs: 10 } }), { ...auth('sk-test-five'), 'x-sluice-resumable': '1' }, controller.signal);
    assert.equal(response.status, 200);
    controller.abort();
    await sleep(50);
    assert.equal(await running(), 1, 'still running for a client that may resume');
    await waitFor(async () => (await running()) === 0, 3000);
  });
});

describe("the rate-limit headers take the serving target's own limits into account", () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await limited([{ name: 'roomy', key: 'sk-test-roomy', limits: { rpm: 100, tpm: 1_000_000 } }], {
      models: [
        { name: 'tight-alias', target: 'sim/tight', limits: { rpm: 4 } },
        { name: 'loose-alias', target: 'sim/loose', limits: { rpm: 1000 } },
      ],
    });
  });
  after(() => gateway.close());

  test('an alias with fewer requests left than the key sets the request headers, streamed and not; the key keeps its tokens headers', async () => {
    const seen: (string | null)[] = [];
    for (const stream of [true, false]) {
      const response = await postChat(gateway, chatBody({ model: 'tight-alias', stream }), auth('sk-test-roomy'));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-ratelimit-limit-requests'), '4');
      seen.push(response.headers.get('x-ratelimit-remaining-requests'));
      // The alias has no TPM: the tokens headers stay the key's.
      assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '1000000');
      await response.arrayBuffer();
    }
    assert.deepEqual(seen, ['3', '2']);
  });

  test("a target with more left than the key leaves the key's headers", async () => {
    const response = await postChat(gateway, chatBody({ model: 'loose-alias', stream: true }), auth('sk-test-roomy'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '100');
    await response.arrayBuffer();
  });
});
