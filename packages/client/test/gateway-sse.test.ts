/**
 * The SDK against the real gateway over SSE: exact text, usage and cost,
 * and cancellation that reaches the upstream.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simText } from '@sluice/gateway';
import { AbortError, AuthenticationError, BudgetExceededError, SluiceClient } from '../src/index.ts';
import { API_KEY, gatewayCancelsStreams, startGatewayRig, upstreamAborts, type GatewayRig } from './helpers/gateway.ts';

let rig: GatewayRig;
let cancelSkip: string | false = false;
before(async () => {
  rig = await startGatewayRig();
  if (!(await gatewayCancelsStreams(rig))) cancelSkip = 'the gateway has no DELETE /v1/streams/{id} yet (issue 5), so a resumable stream cannot be cancelled';
});
after(() => rig.close());

const client = () => new SluiceClient({ baseURL: rig.gateway.baseURL, apiKey: API_KEY, transport: 'sse' });
const body = (seed: number, extra: object = {}) => ({
  model: 'deepseek-v3.2',
  messages: [{ role: 'user' as const, content: `tell me something, take ${seed}` }],
  sim: { seed, tokens: 40 },
  ...extra,
});

test('over SSE the text is exactly the upstream\'s, with usage, cost and a stream id', async () => {
  const sdk = client();
  const results = await Promise.all([1, 2, 3].map((seed) => sdk.chat.stream(body(seed)).final()));
  for (const [i, final] of results.entries()) {
    assert.equal(final.text, simText(body(i + 1)));
    assert.ok(final.usage && final.usage.completion_tokens > 0, 'usage is present');
    assert.equal(typeof final.usage.cost, 'number');
    assert.equal(final.cost, final.usage.cost, "the gateway's cost is the stream's cost");
    assert.match(final.streamId ?? '', /.+/);
    assert.equal(final.transport, 'sse');
  }
  assert.equal(sdk.stats().completed, 3);
});

test('a wrong key is an AuthenticationError and is not retried', async () => {
  const sdk = new SluiceClient({ baseURL: rig.gateway.baseURL, apiKey: 'sk-wrong-key-000', transport: 'sse' });
  let requests = 0;
  const count = () => requests++;
  rig.sim.events.on('request', count);
  await assert.rejects(sdk.chat.stream(body(1)).final(), AuthenticationError);
  rig.sim.events.off('request', count);
  assert.equal(requests, 0);
});

test('abort() cancels the stream upstream', async (t) => {
  if (cancelSkip) return t.skip(cancelSkip);
  const aborted = upstreamAborts(rig.sim, 1);
  const stream = client().chat.stream(body(7, { sim: { seed: 7, tokens: 500, delayMs: 5 } }));
  let count = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of stream) if (++count === 5) stream.abort();
    })(),
    AbortError,
  );
  await aborted;
});

test('break out of the loop cancels the stream upstream', async (t) => {
  if (cancelSkip) return t.skip(cancelSkip);
  const aborted = upstreamAborts(rig.sim, 1);
  const stream = client().chat.stream(body(8, { sim: { seed: 8, tokens: 500, delayMs: 5 } }));
  for await (const _ of stream) break;
  await aborted;
});

test('the budget guard stops a running stream, which stops upstream', async (t) => {
  const aborted = cancelSkip ? null : upstreamAborts(rig.sim, 1);
  // claude-sonnet-4.5 output is $15 per million: $0.0003 allows roughly 15 tokens after the prompt.
  const sdk = new SluiceClient({ baseURL: rig.gateway.baseURL, apiKey: API_KEY, transport: 'sse', budget: 0.0003 });
  const request = body(9, { model: 'claude-sonnet-4.5', sim: { seed: 9, tokens: 400, delayMs: 5 } });
  await assert.rejects(sdk.chat.stream(request).final(), (error) => {
    assert.ok(error instanceof BudgetExceededError, String(error));
    assert.ok(error.text.length > 0 && simText(request).startsWith(error.text), 'the text so far is a prefix of the answer');
    return true;
  });
  if (aborted) await aborted;
  else t.diagnostic(`not checked upstream: ${cancelSkip}`);
});
