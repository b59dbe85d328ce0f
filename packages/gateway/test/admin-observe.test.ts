import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { RunningGateway, SimServer } from '@sluice/gateway';
import { startSimServer } from '@sluice/gateway';
import { chatBody, postChat, startGatewayWithUpstream, upstreamProvider, type UpstreamRig } from './helpers/gateway.ts';
import { ADMIN_KEY, adminCall, startAdminGateway } from './helpers/admin.ts';
import { readSse, nextEvent } from './helpers/sse.ts';
import { watchEvents } from './helpers/admin-events.ts';

const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const KEY_A = 'sk-observe-key-a-0123456789';
const KEY_B = 'sk-observe-key-b-0123456789';

describe('/admin/events: live streams, several snapshots a second', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  before(async () => {
    upstream = await startSimServer();
    gateway = await startAdminGateway({ keys: [{ name: 'alice', key: KEY_A }], providers: [upstreamProvider('up', upstream.baseURL)], streams: { keepaliveMs: 100 } });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  test('needs the admin key; a gateway key is refused', async () => {
    assert.equal((await fetch(`${gateway.url}/admin/events`)).status, 401);
    const withGatewayKey = await fetch(`${gateway.url}/admin/events`, { headers: { authorization: `Bearer ${KEY_A}` } });
    assert.equal(withGatewayKey.status, 401);
    assert.equal(((await withGatewayKey.json()) as { error: { code: string } }).error.code, 'invalid_admin_key');
  });

  test('a running stream appears with its key, model and deployment, its chunk count rises, and an admin cancel reaches the upstream', async () => {
    const aborted = nextEvent<{ requestId: number; tokensSent: number }>(upstream.events, 'abort', 15_000);
    const response = await postChat(gateway, chatBody({ model: 'up/slow', stream: true, sim: { tokens: 400, delayMs: 20 } }), { authorization: `Bearer ${KEY_A}` });
    const streamId = response.headers.get('x-sluice-stream-id')!;
    const reading = readSse(response);
    const { snapshot, all, contentType } = await watchEvents(`${gateway.url}/admin/events`, ADMIN, (s, seen) => {
      const mine = seen.map((x) => x.streams.find((st) => st.id === streamId)).filter((st) => st !== undefined);
      return mine.length >= 3 && mine.at(-1)!.chunks > mine[0].chunks;
    });
    assert.match(contentType ?? '', /^text\/event-stream/);
    const stream = snapshot.streams.find((s) => s.id === streamId)!;
    assert.deepEqual({ key: stream.key, model: stream.model, deployment: stream.deployment, state: stream.state, readers: stream.readers, transport: stream.transport }, { key: 'alice', model: 'up/slow', deployment: 'up/slow', state: 'streaming', readers: 1, transport: 'sse' });
    // Several a second: the snapshots came four a second, by their own clock (the first reader's connect loads the tokenizer, once, before the first).
    const spanMs = all.at(-1)!.at - all[0].at;
    assert.ok((all.length - 1) / (spanMs / 1000) >= 3, `${all.length} snapshots over ${spanMs} ms`);

    const cancel = await fetch(`${gateway.url}/admin/streams/${streamId}`, { method: 'DELETE', headers: ADMIN });
    assert.equal(cancel.status, 204);
    const abort = await aborted;
    assert.ok(abort.tokensSent < 400);
    const sse = await reading;
    assert.ok(sse.data.some((d) => d.includes('Cancelled by an administrator')), 'the client hears it was cancelled');
  });

  test('keepalive pings keep a quiet feed open, and unknown or malformed stream ids are refused', async () => {
    const response = await fetch(`${gateway.url}/admin/events`, { headers: ADMIN });
    const reader = response.body!.getReader();
    let text = '';
    const deadline = Date.now() + 3000;
    while (!text.includes(': ping') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    // Snapshots go out four times a second, so a ping only comes where the keepalive is shorter; here it is 100 ms.
    assert.ok(text.includes(': ping'), 'a keepalive comment');
    assert.equal((await fetch(`${gateway.url}/admin/streams/0123456789abcdef0123`, { method: 'DELETE', headers: ADMIN })).status, 404);
    const bad = await adminCall(gateway, 'DELETE', '/admin/streams/bad!id');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'id');
  });
});

/** One request-log suite, every ledger: SQLite always, PostgreSQL when DATABASE_URL is set. */
const LEDGERS = [
  { name: 'SQLite', skip: false as string | false, ledger: () => ({ path: join(mkdtempSync(join(tmpdir(), 'sluice-requests-')), 'ledger.db') }) },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? (false as const) : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)',
    ledger: () => ({ url: process.env.DATABASE_URL ?? '', table: `sluice_requests_${process.pid}` }),
  },
];

for (const kind of LEDGERS) {
  describe(`/admin/requests and the dashboard's history on ${kind.name}`, { skip: kind.skip }, () => {
    let rig: UpstreamRig;
    let ledger: ReturnType<typeof kind.ledger>;
    const started = Date.now();
    before(async () => {
      ledger = kind.ledger();
      if ('url' in ledger) await dropTable(ledger.table);
      const upstream = await startSimServer();
      const gateway = await startAdminGateway({
        keys: [
          { name: 'alice', key: KEY_A, limits: { budget: { usd: 5, period: 'month' }, rpm: 100 } },
          { name: 'bob', key: KEY_B },
        ],
        providers: [upstreamProvider('up', upstream.baseURL)],
        models: [{ name: 'fast', target: 'up/fast', price: { input: 1, output: 2 } }],
        retries: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
        ledger,
      });
      rig = { gateway, upstream, close: async () => (await gateway.close(), await upstream.close()) };
      const send = async (key: string, body: Record<string, unknown>) => readSse(await postChat(gateway, chatBody({ stream: true, ...body }), { authorization: `Bearer ${key}` }));
      for (let i = 0; i < 3; i++) await send(KEY_A, { model: 'fast', sim: { tokens: 4 } });
      await send(KEY_A, { model: 'up/other', sim: { tokens: 4 } });
      await send(KEY_B, { model: 'fast', sim: { tokens: 4, fault: { status: 503, key: `retry-${kind.name}`, times: 1 } } });
      await (await postChat(gateway, chatBody({ model: 'fast', stream: true, sim: { fault: { status: 400 } } }), { authorization: `Bearer ${KEY_B}` })).text();
      // A refused request settles just after its answer is sent: wait until the ledger has all six.
      for (let tries = 0; tries < 100 && (await adminCall(gateway, 'GET', '/admin/requests')).body.data.length < 6; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    });
    after(async () => {
      await rig.close();
      if ('url' in ledger) await dropTable(ledger.table);
    });

    const list = async (query: string) => {
      const { status, body } = await adminCall(rig.gateway, 'GET', `/admin/requests${query}`);
      assert.equal(status, 200, JSON.stringify(body));
      return body as { data: { at: number; streamId: string; key: string; model: string; status: string; retries: number; errorCode: string | null; target: string; cost: number; ttftMs: number | null }[]; next: string | null };
    };

    test('newest first, filtered by key and model, with each row\'s detail', async () => {
      const all = await list('');
      assert.equal(all.data.length, 6);
      assert.deepEqual(all.data.map((r) => r.at), all.data.map((r) => r.at).sort((a, b) => b - a));
      const aliceFast = await list('?key=alice&model=fast');
      assert.equal(aliceFast.data.length, 3);
      assert.ok(aliceFast.data.every((r) => r.key === 'alice' && r.model === 'fast' && r.status === 'done' && r.target === 'up/fast' && r.cost > 0 && r.ttftMs !== null));
      const retried = (await list('?key=bob&status=done')).data;
      assert.equal(retried.length, 1);
      assert.equal(retried[0].retries, 1);
      const failed = (await list('?status=error')).data;
      assert.equal(failed.length, 1);
      assert.equal(failed[0].key, 'bob');
      assert.ok(failed[0].errorCode !== null);
    });

    test('pages by cursor without gaps or repeats; a time range narrows it', async () => {
      const all = (await list('?limit=100')).data.map((r) => r.streamId);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
        paged.push(...page.data.map((r) => r.streamId));
        cursor = page.next;
      } while (cursor !== null);
      assert.deepEqual(paged, all);
      assert.equal((await list(`?from=${Date.now() + 60_000}`)).data.length, 0);
      assert.equal((await list(`?from=${new Date(started - 1000).toISOString()}&to=${Date.now() + 1000}`)).data.length, 6);
    });

    test('bad parameters are a 400 naming the parameter', async () => {
      for (const [query, param] of [['?limit=0', 'limit'], ['?status=weird', 'status'], ['?from=yesterday', 'from'], ['?cursor=nope', 'cursor'], ['?colour=red', null]] as const) {
        const { status, body } = await adminCall(rig.gateway, 'GET', `/admin/requests${query}`);
        assert.equal(status, 400, query);
        assert.equal(body.error.type, 'invalid_request_error');
        if (param !== null) assert.equal(body.error.param, param, query);
      }
    });

    test('traffic buckets, spend against budget and health come from the same ledger', async () => {
      const traffic = (await adminCall(rig.gateway, 'GET', '/admin/traffic?range=1h')).body;
      assert.equal(traffic.bucketMs, 60_000);
      const fast = traffic.byModel.filter((r: { model: string }) => r.model === 'fast');
      assert.equal(fast.reduce((n: number, r: { requests: number }) => n + r.requests, 0), 5);
      const histogram = traffic.ttft.filter((r: { deployment: string }) => r.deployment === 'up/fast');
      assert.equal(histogram.reduce((n: number, r: { counts: number[] }) => n + r.counts.reduce((a, b) => a + b, 0), 0), 4);
      assert.equal(traffic.errors.reduce((n: number, r: { count: number }) => n + r.count, 0), 1);
      assert.equal((await adminCall(rig.gateway, 'GET', '/admin/traffic?range=2d')).status, 400);

      const spend = (await adminCall(rig.gateway, 'GET', '/admin/spend')).body;
      const alice = spend.keys.find((k: { name: string }) => k.name === 'alice');
      assert.equal(alice.requests, 4);
      assert.equal(alice.budget.usd, 5);
      assert.ok(alice.budget.spent > 0 && Math.abs(alice.budget.remaining - (5 - alice.budget.spent)) < 1e-9);
      assert.equal(alice.rpm, 100);
      assert.ok(spend.models.some((m: { model: string; requests: number }) => m.model === 'fast' && m.requests === 5));

      const health = (await adminCall(rig.gateway, 'GET', '/admin/health')).body;
      assert.equal(health.database.ok, true);
      assert.equal(health.database.kind, 'url' in ledger ? 'postgresql' : 'sqlite');
      const deployment = health.deployments.find((d: { deployment: string }) => d.deployment === 'up/fast');
      assert.equal(deployment.requests, 5);
      assert.equal(deployment.errors, 1);
      assert.ok(deployment.ttftMs !== null);
      assert.ok(health.providers.some((p: { id: string; type: string }) => p.id === 'up' && p.type === 'openai-compatible'));
      assert.equal(health.replicas, null, 'no Redis stream store, no replica list');
    });
  });
}

describe('observability routes on a keyless loopback gateway', () => {
  test('open without a key, like the chat endpoints; a gateway with keys but no admin key has none', async () => {
    const open = await startGatewayWithUpstream();
    try {
      assert.equal((await fetch(`${open.gateway.url}/admin/live`)).status, 200);
      assert.equal((await fetch(`${open.gateway.url}/admin/requests`)).status, 200);
    } finally {
      await open.close();
    }
    const keyed = await startGatewayWithUpstream({ keys: [{ name: 'k', key: KEY_A }] });
    try {
      assert.equal((await fetch(`${keyed.gateway.url}/admin/live`, { headers: { authorization: `Bearer ${KEY_A}` } })).status, 404);
    } finally {
      await keyed.close();
    }
  });
});

async function dropTable(table: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
}
