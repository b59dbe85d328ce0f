/**
 * A stream that has ended leaves no listener behind: not on the shared
 * socket it ran on (either end), not on the caller's AbortSignal, however
 * many streams came before it.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, test } from 'node:test';
import { SluiceClient } from '@sluice/client';
import WebSocket from 'ws';
import { tokensOf } from './helpers/plain-upstream.ts';
import { startWsTestServer, type WsTestServer } from './helpers/ws-test-server.ts';

const STREAMS = 100;

/** The `ws` package's WebSocket, remembering every socket it opens so the test can count their listeners. */
const opened: WebSocket[] = [];
class CountedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    opened.push(this);
  }
}

function listenersOn(socket: WebSocket): number {
  return socket.eventNames().reduce((sum, name) => sum + socket.listenerCount(name), 0);
}

let server: WsTestServer;
before(async () => {
  server = await startWsTestServer((content) => tokensOf(content), 0);
});
after(() => server?.close());

test(`${STREAMS} streams on one socket, one after the other: the listener count on both ends stays flat`, async () => {
  const client = new SluiceClient({ baseURL: server.baseURL, transport: 'ws', WebSocket: CountedWebSocket });
  try {
    const ask = (i: number) => ({ model: 'm', messages: [{ role: 'user' as const, content: `stream number ${i}` }] });
    const final = await client.chat.stream(ask(0)).final();
    assert.equal(final.text, tokensOf('stream number 0').join(''));
    const serverAfterOne = server.socketListeners();
    const clientAfterOne = listenersOn(opened[0]);
    for (let i = 1; i < STREAMS; i++) await client.chat.stream(ask(i)).final();
    assert.equal(server.connections(), 1, 'every stream shared the one socket');
    assert.equal(opened.length, 1);
    assert.equal(server.socketListeners(), serverAfterOne, 'server socket listeners');
    assert.equal(listenersOn(opened[0]), clientAfterOne, 'client socket listeners');
  } finally {
    client.close();
  }
});

test('twenty streams at once on one socket: no listener-leak warning, and none left after', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => {
    if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
  };
  process.on('warning', onWarning);
  const client = new SluiceClient({ baseURL: server.baseURL, transport: 'ws' });
  try {
    await client.chat.stream({ model: 'm', messages: [{ role: 'user', content: 'first' }] }).final();
    const before = server.socketListeners();
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.stream({ model: 'm', messages: [{ role: 'user', content: `together ${i}` }] }).final()));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, []);
    assert.equal(server.socketListeners(), before);
  } finally {
    process.off('warning', onWarning);
    client.close();
  }
});

test(`one AbortSignal given to ${STREAMS} streams holds no listener once they have ended`, async () => {
  const client = new SluiceClient({ baseURL: server.baseURL, transport: 'ws' });
  const controller = new AbortController();
  try {
    for (let i = 0; i < STREAMS; i++) {
      await client.chat.stream({ model: 'm', messages: [{ role: 'user', content: `signal ${i}` }] }, { signal: controller.signal }).final();
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  } finally {
    client.close();
  }
});
