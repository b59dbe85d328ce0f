import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway } from '@sluice/gateway';
import { chatBody, postChat } from './helpers/gateway.ts';
import { readSse, textOf } from './helpers/sse.ts';
import { closeAll, eventually, gatewayOver, startUpstreams, type CountedUpstream } from './helpers/deployments.ts';

describe('exact-match response cache', () => {
  let upstreams: CountedUpstream[];
  let gateway: RunningGateway;
  let ledgerPath: string;

  before(async () => {
    upstreams = await startUpstreams(['origin']);
    ledgerPath = join(mkdtempSync(join(tmpdir(), 'sluice-cache-ledger-')), 'ledger.db');
    gateway = await gatewayOver(upstreams, {
      ledger: { path: ledgerPath },
      models: [
        { name: 'faq', target: 'origin/m', cache: true, price: { input: 5, output: 5 } },
        { name: 'plain', target: 'origin/m' },
      ],
    });
  });
  after(() => closeAll([gateway], upstreams));

  const question = (text: string, extra: Record<string, unknown> = {}) => chatBody({ model: 'faq', temperature: 0, messages: [{ role: 'user', content: text }], sim: { tokens: 8 }, ...extra });

  test('a hit is served as a resumable stream and as JSON, marked hit, without calling the upstream', async () => {
    const [origin] = upstreams;
    const body = question('What is a delta?', { stream: true });
    const first = await postChat(gateway, body);
    assert.equal(first.headers.get('x-sluice-cache'), 'miss');
    const firstText = textOf((await readSse(first)).data);
    assert.equal(firstText, simText({ ...body, model: 'm' } as never));
    await eventually(() => gateway.context.cache.inFlight === 0, 2000, 'the answer being stored');
    const calls = origin.requests;

    const streamed = await postChat(gateway, body, { 'x-sluice-resumable': '1' });
    assert.equal(streamed.headers.get('x-sluice-cache'), 'hit');
    assert.equal(streamed.headers.get('x-sluice-target'), null);
    const sse = await readSse(streamed);
    assert.equal(textOf(sse.data), firstText);
    assert.deepEqual(sse.events.map((event) => Number(event.id)).filter((id) => id > 0), sse.events.map((_, i) => i + 1), 'numbered from 1, as every stream');
    // Resumable like any stream: read again from seq 3.
    const streamId = streamed.headers.get('x-sluice-stream-id')!;
    const resumed = await readSse(await fetch(`${gateway.baseURL}/streams/${streamId}?after=3`, { headers: { 'x-sluice-stream-token': streamed.headers.get('x-sluice-stream-token')! } }));
    assert.equal(Number(resumed.events[0].id), 4);

    const whole = await postChat(gateway, { ...body, stream: false });
    assert.equal(whole.headers.get('x-sluice-cache'), 'hit');
    const completion = (await whole.json()) as { choices: { message: { content: string } }[]; usage: { cost?: number } };
    assert.equal(completion.choices[0].message.content, firstText);
    assert.equal(origin.requests, calls, 'no upstream call for a hit');

    await gateway.context.usage.totals();
    const db = new DatabaseSync(ledgerPath, { readOnly: true });
    const rows = (db.prepare('SELECT cached, cost FROM usage ORDER BY at, rowid').all() as { cached: number; cost: number }[]).map((row) => ({ ...row }));
    db.close();
    assert.equal(rows.length, 3);
    assert.ok(rows[0].cost > 0 && rows[0].cached === 0);
    assert.deepEqual(rows.slice(1), [{ cached: 1, cost: 0 }, { cached: 1, cost: 0 }]);
  });

  test('20 identical concurrent requests make one upstream call, and every client reads the whole answer', async () => {
    const [origin] = upstreams;
    const calls = origin.requests;
    const body = question('Twenty at once', { stream: true, sim: { tokens: 12, ttftMs: 150, delayMs: 5 } });
    const responses = await Promise.all(Array.from({ length: 20 }, () => postChat(gateway, body)));
    const texts = await Promise.all(responses.map(async (response) => textOf((await readSse(response)).data)));
    assert.equal(origin.requests - calls, 1);
    for (const text of texts) assert.equal(text, simText({ ...body, model: 'm' } as never));
    assert.equal(responses.filter((response) => response.headers.get('x-sluice-cache') === 'hit').length, 19);
  });

  test("a follower reads on when the first client leaves: the shared generation is held for it", async () => {
    const body = question('Leaving early', { stream: true, sim: { tokens: 20, delayMs: 10 } });
    const leaving = new AbortController();
    const first = await postChat(gateway, body, {}, leaving.signal);
    // The follower has its headers once it follows the first generation's events.
    const follower = await postChat(gateway, body);
    assert.equal(follower.headers.get('x-sluice-cache'), 'hit');
    const aborted = new Promise((resolve) => upstreams[0].server.events.once('abort', resolve));
    leaving.abort();
    await Promise.race([aborted, new Promise((resolve) => setTimeout(resolve, 300))]);
    const text = textOf((await readSse(follower)).data);
    assert.equal(text, simText({ ...body, model: 'm' } as never));
  });

  test('only deterministic requests are cached unless the client asks; x-sluice-cache: 0 bypasses', async () => {
    const [origin] = upstreams;
    const warm = question('Warm', { temperature: 0.7 });
    let calls = origin.requests;
    await (await postChat(gateway, warm)).json();
    await (await postChat(gateway, warm)).json();
    assert.equal(origin.requests - calls, 2, 'temperature 0.7 is not cached by the alias');
    calls = origin.requests;
    const asked = chatBody({ model: 'plain', messages: [{ role: 'user', content: 'Asked for' }] });
    const miss = await postChat(gateway, asked, { 'x-sluice-cache': '1' });
    await miss.json();
    await eventually(() => gateway.context.cache.inFlight === 0);
    const hit = await postChat(gateway, asked, { 'x-sluice-cache': '1' });
    await hit.json();
    assert.equal(hit.headers.get('x-sluice-cache'), 'hit');
    const bypass = await postChat(gateway, question('What is a delta?'), { 'x-sluice-cache': '0' });
    await bypass.json();
    assert.equal(bypass.headers.get('x-sluice-cache'), null);
    assert.equal(origin.requests - calls, 2, 'the miss and the bypass');
  });
});

describe('the response cache shared by two replicas through Redis', { skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set' }, () => {
  let upstreams: CountedUpstream[];
  let replicas: RunningGateway[];

  before(async () => {
    upstreams = await startUpstreams(['origin']);
    const config = {
      redis: { url: process.env.REDIS_URL!, keyPrefix: `sluice-test-${Math.random().toString(36).slice(2, 10)}:` },
      models: [{ name: 'faq', target: 'origin/m', cache: true }],
    };
    replicas = [await gatewayOver(upstreams, config), await gatewayOver(upstreams, config)];
  });
  after(() => closeAll(replicas, upstreams));

  test("one replica's answer is the other's hit", async () => {
    const [origin] = upstreams;
    const body = chatBody({ model: 'faq', temperature: 0, messages: [{ role: 'user', content: 'Shared?' }], sim: { tokens: 5 } });
    const first = (await (await postChat(replicas[0], body)).json()) as { choices: { message: { content: string } }[] };
    let hit: Response | undefined;
    // The answer is written to Redis without waiting for it: a read right after may still miss (and ask the upstream).
    for (let i = 0; i < 50 && hit?.headers.get('x-sluice-cache') !== 'hit'; i++) {
      if (hit !== undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      hit = await postChat(replicas[1], body);
      if (hit.headers.get('x-sluice-cache') !== 'hit') await hit.json();
    }
    assert.equal(hit!.headers.get('x-sluice-cache'), 'hit');
    const second = (await hit!.json()) as { choices: { message: { content: string } }[] };
    assert.equal(second.choices[0].message.content, first.choices[0].message.content);
    const calls = origin.requests;
    await (await postChat(replicas[1], body)).json();
    assert.equal(origin.requests, calls, 'a hit calls no upstream');
  });
});
