import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import type { WsErrorMessage } from '@sluice/protocol';
import { SseDecoder, type SseMessage } from '@sluice/protocol';
import { keySubject } from '../src/limits/limit-subjects.ts';
import { adminCall, startAdminGateway } from './helpers/admin.ts';
import { chatBody, postChat, upstreamProvider } from './helpers/gateway.ts';
import { assertPromptly, nextEvent } from './helpers/sse.ts';
import { dropPostgresTables } from './helpers/postgres.ts';
import { MultiplexClient } from './helpers/ws.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Read an SSE response as it comes: `seen` fills while it streams, `ended` resolves at its end. */
function follow(response: Response): { seen: SseMessage[]; ended: Promise<number> } {
  const seen: SseMessage[] = [];
  const decoder = new SseDecoder({ onEvent: (message) => seen.push(message), onComment: () => {} });
  const ended = (async () => {
    const text = new TextDecoder();
    for await (const bytes of response.body!) decoder.push(text.decode(bytes, { stream: true }));
    return performance.now();
  })();
  return { seen, ended };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('the condition did not hold in time');
    await sleep(10);
  }
}

/**
 * Two replicas (two gateways on one PostgreSQL ledger and one Redis, each
 * with its own key directory and limit engine) in front of one real
 * upstream: a key revoked on A stops the streams it runs on B.
 */
describe('a revoked key stops its running streams on every replica', { skip: process.env.DATABASE_URL && process.env.REDIS_URL ? false : 'DATABASE_URL and REDIS_URL are both needed (CI sets them)' }, () => {
  const table = `sluice_revoke_${randomBytes(4).toString('hex')}`;
  let upstream: SimServer;
  let a: RunningGateway;
  let b: RunningGateway;

  before(async () => {
    upstream = await startSimServer();
    const config = {
      ledger: { url: process.env.DATABASE_URL!, table },
      redis: { url: process.env.REDIS_URL!, keyPrefix: `sluice-test-${randomBytes(4).toString('hex')}:` },
      providers: [upstreamProvider('up', upstream.baseURL)],
      models: [{ name: 'priced', target: 'up/m', price: { input: 10, output: 1000 } }],
    };
    a = await startAdminGateway(config);
    b = await startAdminGateway(config);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
    await dropPostgresTables([table, `${table}_keys`, `${table}_teams`, `${table}_keys_version`]);
  });

  /** A key made on A, two streams of it running on B (SSE and WebSocket), the key revoked on A: ms from A's answer to the SSE stream's end. */
  async function revokeWhileStreaming(name: string): Promise<number> {
    const limits = { concurrency: 2 };
    const known = b.context.managedKeys!.directory.size;
    const created = (await adminCall(a, 'POST', '/admin/keys', { name, limits })).body as { id: string; key: string };
    const auth = { authorization: `Bearer ${created.key}` };
    await until(() => b.context.managedKeys!.directory.size > known);

    const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort', 10_000);
    const response = await postChat(b, chatBody({ model: 'priced', stream: true, sim: { tokens: 2000, delayMs: 5 } }), auth);
    assert.equal(response.status, 200);
    const stream = follow(response);
    const ws = await MultiplexClient.connect(b, ['sluice.v1', `bearer.${created.key}`]);
    const overWs = ws.request('w1', chatBody({ model: 'priced', stream: true, sim: { tokens: 2000, delayMs: 5 } }), {});
    // Both streams are flowing before the key goes.
    await until(() => stream.seen.length > 10 && ws.of('w1').length > 10);
    const subject = keySubject({ id: created.id, limits })!;
    assert.equal((await b.context.limits.store.usage(subject)).running, 2);

    assert.equal((await adminCall(a, 'DELETE', `/admin/keys/${created.id}`)).status, 200);
    // The key is revoked once A has answered; from then on, B is to stop the streams.
    const revokedAt = performance.now();
    const endedAt = await stream.ended;
    const last = stream.seen.at(-1)!;
    assert.equal(last.event, 'error');
    const error = (JSON.parse(last.data) as { error: { code: string; type: string } }).error;
    assert.deepEqual([error.code, error.type], ['key_revoked', 'authentication_error']);
    assert.ok(!stream.seen.some((event) => event.data === '[DONE]'));
    const { tokensSent } = await aborted;
    assert.ok(tokensSent < 2000, `the upstream sent ${tokensSent} tokens`);

    const wsEnd = (await overWs).end as WsErrorMessage;
    assert.equal(wsEnd.type, 'error');
    assert.equal(wsEnd.error.code, 'key_revoked');
    assert.equal(ws.ws.readyState, ws.ws.OPEN, 'the socket stays open');
    ws.close();

    // Settled for what was delivered, and the key's slots are free on every replica.
    let rows: Awaited<ReturnType<typeof b.context.usage.query>> = [];
    const deadline = Date.now() + 5000;
    while (rows.length < 2 && Date.now() < deadline) {
      await sleep(50);
      rows = await b.context.usage.query({ key: name, limit: 10 });
    }
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.deepEqual([row.status, row.errorCode], ['error', 'key_revoked']);
      assert.ok(row.completionTokens > 0 && row.completionTokens < 2000, String(row.completionTokens));
      assert.ok(row.cost > 0);
    }
    assert.equal((await a.context.limits.store.usage(subject)).running, 0);
    // And the key is refused on B from now on.
    assert.equal((await postChat(b, chatBody({ model: 'priced' }), auth)).status, 401);
    return endedAt - revokedAt;
  }

  test('revoked on A, a stream on B ends within 1 s with a key_revoked error frame; the upstream sees the abort; usage settled, lease freed', async () => {
    let run = 0;
    // A stream nothing stops runs 10 s: past the ceiling, whatever the load.
    await assertPromptly('a stream on B after its key was revoked on A', 1000, () => revokeWhileStreaming(`leaving-${++run}`), 3, 5000);
  });

  test('a key that expires while its stream runs stops it the same way (key_expired)', async () => {
    let run = 0;
    await assertPromptly('a stream after its key expired', 1000, async () => {
      const known = b.context.managedKeys!.directory.size;
      const expiresAt = Date.now() + 1500;
      const created = (await adminCall(a, 'POST', '/admin/keys', { name: `brief-${++run}`, expiresAt: new Date(expiresAt).toISOString() })).body as { id: string; key: string };
      await until(() => b.context.managedKeys!.directory.size > known);
      const response = await postChat(b, chatBody({ model: 'priced', stream: true, sim: { tokens: 2000, delayMs: 5 } }), { authorization: `Bearer ${created.key}` });
      assert.equal(response.status, 200);
      const stream = follow(response);
      await stream.ended;
      const late = Date.now() - expiresAt;
      const error = (JSON.parse(stream.seen.at(-1)!.data) as { error: { code: string } }).error;
      assert.equal(error.code, 'key_expired');
      return late;
    }, 3, 5000);
  });
});
