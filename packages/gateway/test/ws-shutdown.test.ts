import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { WsDoneMessage, WsErrorMessage } from '@sluice/protocol';
import { serveCli } from './helpers/cli.ts';
import { chatBody, startTestGateway } from './helpers/gateway.ts';
import { closed, MultiplexClient, openSocket, wsURL } from './helpers/ws.ts';

describe('WebSocket on graceful shutdown', () => {
  test('open streams finish, new requests are refused with shutting_down, then every socket closes with 1001', async () => {
    const gateway = await startTestGateway({ shutdown: { drainTimeoutMs: 5_000 } });
    const client = await MultiplexClient.connect(gateway);
    const plain = await openSocket(wsURL(gateway, '?model=sim/x'));
    const running = client.request('running', chatBody({ sim: { tokens: 20, delayMs: 15 } }));
    await client.next((m) => m.type === 'chunk');
    const sluiceClosed = closed(client.ws);
    const plainClosed = closed(plain);
    const closing = gateway.close();
    const refused = await client.request('late', chatBody({ sim: { tokens: 2 } }));
    assert.equal((refused.end as WsErrorMessage).error.code, 'shutting_down');
    const finished = await running;
    assert.equal(finished.end.type, 'done', 'the open stream ran to its end');
    assert.equal(finished.chunks.length, 1 + 20 + 1);
    assert.deepEqual(await sluiceClosed, { code: 1001, reason: 'The gateway is shutting down.' });
    assert.equal((await plainClosed).code, 1001);
    await closing;
  });

  test('past the drain timeout, open streams end with shutting_down before the 1001 close', async () => {
    const gateway = await startTestGateway({ shutdown: { drainTimeoutMs: 150 } });
    const client = await MultiplexClient.connect(gateway);
    const running = client.request('long', chatBody({ sim: { tokens: 10_000, delayMs: 10 } }));
    await client.next((m) => m.type === 'chunk');
    const socketClosed = closed(client.ws);
    await gateway.close();
    const end = (await running).end as WsErrorMessage;
    assert.equal(end.type, 'error');
    assert.equal(end.error.code, 'shutting_down');
    assert.equal(typeof end.seq, 'number');
    assert.equal((await socketClosed).code, 1001);
  });

  test('a client that reads nothing does not hold the shutdown up', async () => {
    const gateway = await startTestGateway({ shutdown: { drainTimeoutMs: 100 } });
    const client = await MultiplexClient.connect(gateway);
    client.ws.pause();
    client.send({ type: 'request', id: 'stuck', body: chatBody({ sim: { tokens: 100_000 } }) });
    await new Promise((r) => setTimeout(r, 300));
    const startedAt = performance.now();
    await gateway.close();
    assert.ok(performance.now() - startedAt < 5_000);
    client.ws.terminate();
  });

  test('SIGTERM to `sluice serve` with WebSocket clients open: they finish, get 1001, and the process exits 0', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sluice-ws-shutdown-')), 'config.json');
    writeFileSync(path, JSON.stringify({ ledger: false, shutdown: { drainTimeoutMs: 5_000 } }));
    const server = await serveCli(['--config', path]);
    const url = `${server.baseURL.replace(/^http/, 'ws')}/chat/stream`;
    const client = new MultiplexClient(await openSocket(url, ['sluice.v1']));
    const running = client.request('q', chatBody({ sim: { tokens: 10, delayMs: 20 } }));
    await client.next((m) => m.type === 'chunk');
    const socketClosed = closed(client.ws);
    server.child.kill('SIGTERM');
    assert.equal(((await running).end as WsDoneMessage).type, 'done');
    assert.equal((await socketClosed).code, 1001);
    assert.equal(await server.exited, 0);
    await assert.rejects(openSocket(url, ['sluice.v1']), 'no longer listening');
  });
});

