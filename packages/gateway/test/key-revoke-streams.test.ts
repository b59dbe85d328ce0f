import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import type { WsErrorMessage } from '@sluice/protocol';
import { SseDecoder, type SseMessage } from '@sluice/protocol';
import { keySubject } from '../src/limits/limit-subjects.ts';
import { adminCall, startAdminGateway } from './helpers/admin.ts';
import { chatBody, postChat, upstreamProvider } from './helpers/gateway.ts';
import { nextEvent } from './helpers/sse.ts';
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

  test('revoked on A, a stream on B ends within 1 s with a key_revoked error frame; the upstream sees the abort; usage settled, lease freed', async () => {
    const limits = { concurrency: 2 };
    const created = (await adminCall(a, 'POST', '/admin/keys', { name: 'leaving', limits })).body as { id: string; key: string };
    const auth = { authorization: `Bearer ${created.key}` };
    // The key reaches B's directory within a second.
    await until(() => b.context.managedKeys!.directory.standing(created.id) === null && b.context.managedKeys!.directory.size > 0);

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

    const asked = performance.now();
    assert.equal((await adminCall(a, 'DELETE', `/admin/keys/${created.id}`)).status, 200);
    // The key is revoked once A has answered; from then on, B has a second to stop the stream.
    const revokedAt = performance.now();
    const endedAt = await stream.ended;
    assert.ok(endedAt - revokedAt < 1000, `the stream on B ran on for ${Math.round(endedAt - revokedAt)} ms after A revoked the key (${Math.round(revokedAt - asked)} ms to revoke)`);
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
    await sleep(200);
    const rows = await b.context.usage.query({ key: 'leaving', limit: 10 });
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.deepEqual([row.status, row.errorCode], ['error', 'key_revoked']);
      assert.ok(row.completionTokens > 0 && row.completionTokens < 2000, String(row.completionTokens));
      assert.ok(row.cost > 0);
    }
    assert.equal((await a.context.limits.store.usage(subject)).running, 0);
    // And the key is refused on B from now on.
    assert.equal((await postChat(b, chatBody({ model: 'priced' }), auth)).status, 401);
  });

  test('a key that expires while its stream runs stops it the same way (key_expired)', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = (await adminCall(a, 'POST', '/admin/keys', { name: 'brief', expiresAt })).body as { id: string; key: string };
    await until(() => b.context.managedKeys!.directory.nextExpiry() !== null);
    const response = await postChat(b, chatBody({ model: 'priced', stream: true, sim: { tokens: 2000, delayMs: 5 } }), { authorization: `Bearer ${created.key}` });
    assert.equal(response.status, 200);
    const stream = follow(response);
    const endedAt = await stream.ended;
    const late = Date.now() - Date.parse(expiresAt);
    assert.ok(late < 1000, `stopped ${late} ms after the expiry`);
    assert.ok(endedAt > 0);
    const error = (JSON.parse(stream.seen.at(-1)!.data) as { error: { code: string } }).error;
    assert.equal(error.code, 'key_expired');
  });
});
