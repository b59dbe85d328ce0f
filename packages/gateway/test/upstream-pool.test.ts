import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chatBody, postChat, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';

/** Cut `count` streams mid-response, so the gateway aborts as many upstream requests. */
async function cancelStreams(rig: UpstreamRig, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const controller = new AbortController();
      const response = await postChat(rig.gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 100, fault: { stallAfter: 2 } } }), {}, controller.signal);
      await response.body!.getReader().read();
      controller.abort();
    }),
  );
}

describe('upstream connections after cancelled streams', () => {
  test('the spare connections undici opens for aborted requests are closed, not kept forever', async () => {
    // A check every 200 ms (30 s by default) so the test need not wait.
    const rig = await startGatewayWithUpstream({}, { idleCheckMs: 200, maxIdleConnections: 2 });
    try {
      let aborts = 0;
      rig.upstream.events.on('abort', () => aborts++);
      await cancelStreams(rig, 30);
      for (let i = 0; i < 50 && aborts < 30; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(aborts, 30, 'every cancelled stream aborted its upstream request');
      await new Promise((r) => setTimeout(r, 800));
      const open = await rig.upstream.connections();
      assert.ok(open <= 2, `${open} connections still open to the upstream after 30 cancelled streams`);
      // The gateway still streams on a fresh pool.
      const response = await postChat(rig.gateway, chatBody({ model: 'up/m', stream: true, sim: { tokens: 3 } }));
      assert.match(await response.text(), /\[DONE\]/);
    } finally {
      await rig.close();
    }
  });
});
