import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '@sluice/gateway';
import { startTestGateway } from './helpers/gateway.ts';
import { closed, openSocket, wsURL } from './helpers/ws.ts';

const HEARTBEAT_MS = 100;

describe('WebSocket heartbeat', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startTestGateway({ ws: { heartbeatMs: HEARTBEAT_MS } });
  });
  after(() => gateway.close());

  test('a socket that answers pings stays open, pinged about once per interval', async () => {
    const ws = await openSocket(wsURL(gateway), ['sluice.v1']);
    let pings = 0;
    ws.on('ping', () => pings++);
    await new Promise((r) => setTimeout(r, 10 * HEARTBEAT_MS));
    assert.equal(ws.readyState, ws.OPEN);
    assert.ok(pings >= 3 && pings <= 11, `${pings} pings in 10 intervals`);
    ws.terminate();
  });

  test('a socket that misses two pongs is cut', async () => {
    const ws = await openSocket(wsURL(gateway), [], { autoPong: false });
    let pings = 0;
    ws.on('ping', () => pings++);
    const openedAt = performance.now();
    const { code } = await closed(ws, 40 * HEARTBEAT_MS);
    const lived = performance.now() - openedAt;
    assert.equal(code, 1006, 'terminated, without a close handshake');
    assert.equal(pings, 2, 'cut at the heartbeat after the second unanswered ping');
    assert.ok(lived >= 2 * HEARTBEAT_MS, `cut after ${lived.toFixed(0)} ms`);
  });

  test('the application-level ping of the seed clients is answered on both kinds of socket', async () => {
    for (const protocols of [['sluice.v1'], []]) {
      const ws = await openSocket(wsURL(gateway), protocols);
      const pong = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
      ws.send('{"type":"ping"}');
      assert.equal(await pong, '{"type":"pong"}');
      ws.terminate();
    }
  });
});
