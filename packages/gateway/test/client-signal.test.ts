import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import Fastify from 'fastify';
import { clientSignal } from '../src/transports/client-signal.ts';

/** A route that hands out its signal, then answers when told (or never, if the client leaves first). */
async function server() {
  const app = Fastify();
  const signals: AbortSignal[] = [];
  let answer: (() => void) | undefined;
  app.get('/wait', async (_request, reply) => {
    signals.push(clientSignal(reply));
    await new Promise<void>((resolve) => (answer = resolve));
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { app, port, signals, answer: () => answer?.() };
}

test('the signal aborts when the client leaves before its response', async () => {
  const { app, port, signals } = await server();
  try {
    const req = request({ port, host: '127.0.0.1', path: '/wait' });
    req.on('error', () => {});
    req.end();
    while (signals.length === 0) await new Promise((r) => setTimeout(r, 5));
    req.destroy();
    await once(signals[0], 'abort');
    assert.equal(signals[0].aborted, true);
  } finally {
    await app.close();
  }
});

test('a response sent whole leaves the signal unaborted (no abort, and no DOMException, per finished request)', async () => {
  const { app, port, signals, answer } = await server();
  try {
    const body = new Promise<string>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/wait', agent: false }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    while (signals.length === 0) await new Promise((r) => setTimeout(r, 5));
    answer();
    assert.deepEqual(JSON.parse(await body), { ok: true });
    // The connection closes (agent: false) after the response: the close must not abort.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(signals[0].aborted, false);
  } finally {
    await app.close();
  }
});
