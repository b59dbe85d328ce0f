/**
 * An upstream that goes silent mid-response ends the stream with
 * `upstream_timeout` after `providers[].idleTimeoutMs`, and its request is
 * aborted: before the first token the attempt is retried, after it the
 * stream ends with an error event; a non-streaming request gets a 504.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway, type SimServer } from '@sluice/gateway';
import { chatBody, postChat, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';
import { nextEvent, readSse, textOf } from './helpers/sse.ts';

const IDLE_MS = 300;

describe('an upstream that stalls', () => {
  let rig: UpstreamRig;
  let gateway: RunningGateway;
  let upstream: SimServer;

  before(async () => {
    rig = await startGatewayWithUpstream(
      { providers: [{ id: 'local', type: 'sim', idleTimeoutMs: IDLE_MS }], retries: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 } },
      { idleTimeoutMs: IDLE_MS },
    );
    ({ gateway, upstream } = rig);
  });
  after(() => rig.close());

  for (const model of ['up/m', 'local/m']) {
    test(`${model}: mid-stream, the stream ends with an upstream_timeout error event after the idle time`, { timeout: 10_000 }, async () => {
      const aborted = model.startsWith('up/') ? nextEvent<{ tokensSent: number }>(upstream.events, 'abort', 5000) : null;
      const started = performance.now();
      const sse = await readSse(await postChat(gateway, chatBody({ model, stream: true, sim: { tokens: 10, fault: { stallAfter: 3 } } })));
      const elapsed = performance.now() - started;
      const last = sse.events.at(-1);
      assert.equal(last?.event, 'error');
      assert.equal((JSON.parse(last?.data ?? '{}') as { error: { code: string } }).error.code, 'upstream_timeout');
      assert.equal(textOf(sse.data.slice(0, -1)), simText({ ...chatBody({ sim: { tokens: 3 } }), model: 'm' } as never), 'the tokens before the stall arrived');
      // undici times bodies on a coarse clock (about half a second per tick), and the machine may be busy.
      assert.ok(elapsed >= IDLE_MS && elapsed < IDLE_MS + 5000, `ended after ${elapsed.toFixed(0)} ms`);
      if (aborted !== null) assert.equal((await aborted).tokensSent, 3, 'the upstream request was aborted');
    });

    test(`${model}: a non-streaming request gets a 504 upstream_timeout instead of hanging`, { timeout: 10_000 }, async () => {
      const response = await postChat(gateway, chatBody({ model, sim: { tokens: 10, fault: { stallAfter: 2 } } }));
      assert.equal(response.status, 504);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'upstream_timeout');
    });

    test(`${model}: a stall before the first token is retried, and the client sees a whole answer`, { timeout: 10_000 }, async () => {
      const body = chatBody({ model, stream: true, sim: { tokens: 5, fault: { stallAfter: 0, times: 1, key: `stall-${model}-${Date.now()}` } } });
      const sse = await readSse(await postChat(gateway, body));
      assert.equal(sse.data.at(-1), '[DONE]');
      assert.equal(textOf(sse.data), simText({ ...body, model: 'm' } as never));
    });
  }
});
