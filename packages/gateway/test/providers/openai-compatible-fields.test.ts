/**
 * What an OpenAI-compatible upstream receives: the client's request, minus
 * what only sluice and other providers read (reasoning blocks and tool-call
 * signatures re-attached for Anthropic and Gemini, their "anthropic" and
 * "gemini" extras). The simulator's own `sim` field still reaches it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGatewayWithUpstream, postChat, type UpstreamRig } from '../helpers/gateway.ts';
import { nextEvent } from '../helpers/sse.ts';

describe('an OpenAI-compatible upstream gets no internal fields', () => {
  let rig: UpstreamRig;
  before(async () => (rig = await startGatewayWithUpstream()));
  after(() => rig.close());

  test('reasoning blocks, signatures and other providers\' extras are left out; everything else passes', async () => {
    const received = nextEvent<{ body: Record<string, unknown> }>(rig.upstream.events, 'request');
    const response = await postChat(rig.gateway, {
      model: 'up/m',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, reasoning_blocks: [{ type: 'thinking', text: 't', signature: 's' }], tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' }, signature: 'sig' }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sun' },
      ],
      anthropic: { top_k: 5 },
      gemini: { safetySettings: [] },
      sim: { tokens: 3 },
      custom_vendor_field: true,
    });
    assert.equal(response.status, 200);
    await response.text();
    const { body } = await received;
    assert.equal('anthropic' in body, false);
    assert.equal('gemini' in body, false);
    assert.deepEqual(body.sim, { tokens: 3 });
    assert.equal(body.custom_vendor_field, true, 'unknown fields still pass to OpenAI-compatible upstreams');
    assert.deepEqual((body.messages as unknown[])[1], { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] });
  });

  test('a request without any of them is sent as it came', async () => {
    const received = nextEvent<{ body: Record<string, unknown> }>(rig.upstream.events, 'request');
    const messages = [{ role: 'user', content: 'plain' }];
    await (await postChat(rig.gateway, { model: 'up/m', messages, temperature: 0.5 })).text();
    const { body } = await received;
    assert.deepEqual(body.messages, messages);
    assert.equal(body.temperature, 0.5);
  });
});
