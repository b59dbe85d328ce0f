import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway, SimServer } from '@sluice/gateway';
import { chatBody, startGatewayWithUpstream, type UpstreamRig } from './helpers/gateway.ts';
import { nextEvent } from './helpers/sse.ts';

const TOKENS = 400_000;

describe('backpressure: a client that does not read slows the upstream, not the heap', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;
  let rig: UpstreamRig;

  before(async () => {
    rig = await startGatewayWithUpstream();
    ({ upstream, gateway } = rig);
  });
  after(() => rig.close());

  test('the gateway stops reading the upstream while the client socket is full', async () => {
    const url = new URL(gateway.url);
    const socket = connect(Number(url.port), url.hostname);
    const body = JSON.stringify(chatBody({ model: 'up/m', stream: true, sim: { tokens: TOKENS } }));
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    let received = 0;
    // Read the response head and a little of the stream, then stop reading altogether.
    await new Promise<void>((resolve) => {
      socket.on('data', (bytes: Buffer) => {
        received += bytes.length;
        if (received > 4096) {
          socket.pause();
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    const generations = [...gateway.context.registry.live()];
    assert.equal(generations.length, 1);
    const held = generations[0].log.bytes;
    assert.ok(held < 2 * 1024 * 1024, `the stream log holds ${held} bytes while the client is stalled`);
    const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
    socket.destroy();
    const { tokensSent } = await aborted;
    assert.ok(tokensSent < TOKENS / 2, `the upstream sent ${tokensSent} of ${TOKENS} tokens to a stalled client`);
  });
});
