import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway, SimServer } from '@sluice/gateway';
import { chatBody, postChat, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';
import { assertPromptly, nextEvent } from './helpers/sse.ts';

describe('a client that goes away stops the upstream spend', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let rig: UpstreamRig;

  before(async () => {
    rig = await startGatewayWithUpstream();
    ({ upstream, gateway } = rig);
  });
  after(() => rig.close());

  test('aborting a plain SSE stream aborts the upstream request within 100 ms', async () => {
    await assertPromptly('upstream abort after the client left', 100, async () => {
      const controller = new AbortController();
      // A stalled upstream sends nothing more, so only an active abort ends it.
      const response = await postChat(gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 100, fault: { stallAfter: 2 } } }), {}, controller.signal);
      const reader = response.body!.getReader();
      await reader.read();
      const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
      const cutAt = performance.now();
      controller.abort();
      const { tokensSent } = await aborted;
      assert.equal(tokensSent, 2);
      return performance.now() - cutAt;
    });
  });

  test('a socket closed while waiting for the first token aborts the upstream', async () => {
    await assertPromptly('upstream abort before the first token', 100, async () => {
      const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
      const url = new URL(`${gateway.baseURL}/chat/completions`);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => {});
      req.end(JSON.stringify(chatBody({ model: 'up/m', stream: true, sim: { ttftMs: 5_000 } })));
      await nextEvent(upstream.events, 'request');
      const cutAt = performance.now();
      req.destroy();
      const { tokensSent } = await aborted;
      assert.equal(tokensSent, 0);
      return performance.now() - cutAt;
    });
  });

  test('a client that leaves a non-streaming request aborts the upstream too', async () => {
    const controller = new AbortController();
    const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
    const pending = postChat(gateway, chatBody({ model: 'up/m', sim: { tokens: 1000, delayMs: 5 } }), {}, controller.signal).catch(() => undefined);
    await nextEvent(upstream.events, 'request');
    controller.abort();
    await aborted;
    await pending;
  });
});
