/**
 * Many streams on one socket leave no listener behind: the gateway's raw
 * socket, the SDK's socket and the test drivers' sockets carry as many
 * listeners after the hundredth stream as after the first.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SluiceClient } from '@sluice/client';
import { simText, type RunningGateway } from '@sluice/gateway';
import WebSocket from 'ws';
import { wsMultiplexDriver } from './conformance/ws-multiplex-driver.ts';
import { chatBody, startTestGateway } from './helpers/gateway.ts';

const STREAMS = 100;

type Listening = { eventNames(): (string | symbol)[]; listenerCount(name: string | symbol): number };
const listenersOn = (emitter: Listening) => emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);

describe(`${STREAMS} streams on one WebSocket`, () => {
  let gateway: RunningGateway;
  const serverSockets: Socket[] = [];

  before(async () => {
    gateway = await startTestGateway();
    // The raw sockets the gateway upgrades; a second 'upgrade' listener only watches.
    gateway.app.server.on('upgrade', (_req, socket: Socket) => serverSockets.push(socket));
  });
  after(() => gateway.close());

  test('through the SDK: listeners on both ends of the socket stay flat', async () => {
    const opened: WebSocket[] = [];
    class CountedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        opened.push(this);
      }
    }
    const client = new SluiceClient({ baseURL: gateway.baseURL, transport: 'ws', WebSocket: CountedWebSocket });
    try {
      const ask = (i: number) => ({ model: 'sim/listeners', messages: [{ role: 'user' as const, content: `stream ${i}` }], sim: { tokens: 4 } });
      assert.equal((await client.chat.stream(ask(0)).final()).text, simText({ ...ask(0), model: 'listeners' }));
      const before = { server: listenersOn(serverSockets[0]), client: listenersOn(opened[0]) };
      for (let i = 1; i < STREAMS; i++) await client.chat.stream(ask(i)).final();
      assert.equal(serverSockets.length, 1, 'one socket carried every stream');
      assert.equal(opened.length, 1);
      assert.deepEqual({ server: listenersOn(serverSockets[0]), client: listenersOn(opened[0]) }, before);
    } finally {
      client.close();
    }
  });

  test('through the conformance suite driver, twenty at a time: no listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning);
    };
    process.on('warning', onWarning);
    const connection = await wsMultiplexDriver.connect(gateway);
    try {
      // Twenty at a time: streams sharing a socket at once must not each add a listener to it either.
      for (let i = 0; i < STREAMS; i += 20) {
        const outcomes = await Promise.all(Array.from({ length: 20 }, () => connection.stream(chatBody({ sim: { tokens: 2 } }))));
        for (const outcome of outcomes) {
          assert.equal(outcome.error, null);
          assert.equal(outcome.usage?.completion_tokens, 2);
        }
      }
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.map((w) => w.message), []);
    } finally {
      process.off('warning', onWarning);
      await connection.close();
    }
  });
});
