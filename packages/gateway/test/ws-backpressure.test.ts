import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSimServer, type RunningGateway, type SimServer } from '@sluice/gateway';
import type { Generation } from '../src/streams/generation.ts';
import { chatBody, startTestGateway, upstreamProvider } from './helpers/gateway.ts';
import { nextEvent } from './helpers/sse.ts';
import { MultiplexClient } from './helpers/ws.ts';

const STREAMS = 100;

/** Live heap after a full collection, so garbage not yet collected does not count. */
function liveHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

const loggedBytes = (streams: readonly Generation[]) => streams.reduce((sum, g) => sum + g.log.bytes, 0);

/** The live generations, once `count` of them exist and each has logged its first event and stopped growing. */
async function stalledStreams(gateway: RunningGateway, count: number): Promise<Generation[]> {
  const deadline = Date.now() + 20_000;
  let previous = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const streams = [...gateway.context.registry.live()];
    const bytes = loggedBytes(streams);
    if (streams.length === count && streams.every((g) => g.log.lastSeq > 0) && bytes === previous) return streams;
    if (Date.now() > deadline) assert.fail(`${streams.filter((g) => g.log.lastSeq > 0).length} of ${count} streams started; logs at ${bytes} bytes`);
    previous = bytes;
  }
}

describe('WebSocket backpressure: a socket that does not read slows the upstreams, not the heap', () => {
  let upstream: SimServer;
  let gateway: RunningGateway;

  before(async () => {
    upstream = await startSimServer();
    gateway = await startTestGateway({ providers: [upstreamProvider('up', upstream.baseURL)], ws: { maxStreamsPerSocket: STREAMS } });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  test(`${STREAMS} streams to a client that reads nothing stop where the socket is full, in bounded memory`, async (t) => {
    // The in-process simulator holds each stream's whole script in memory, so it stays small.
    const tokens = 2_000;
    const client = await MultiplexClient.connect(gateway);
    const heapBefore = liveHeap();
    // From here on the client reads nothing; it still sends.
    client.ws.pause();
    for (let i = 0; i < STREAMS; i++) client.send({ type: 'request', id: `s${i}`, body: chatBody({ model: 'sim/x', messages: [{ role: 'user', content: `p${i}` }], sim: { tokens } }) });
    const streams = await stalledStreams(gateway, STREAMS);
    const logged = loggedBytes(streams);
    const heapGrowth = liveHeap() - heapBefore;
    const produced = streams.reduce((sum, g) => sum + g.log.lastSeq, 0);
    t.diagnostic(`${produced} of ${STREAMS * tokens} events produced; stream logs hold ${(logged / 2 ** 20).toFixed(1)} MiB; live heap grew ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`);
    // Unbounded, the logs alone would reach STREAMS × tokens × ~150 bytes ≈ 29 MiB.
    assert.ok(produced < (STREAMS * tokens) / 4, `${produced} events produced for a client that reads nothing`);
    assert.ok(logged < 8 * 2 ** 20, `the stream logs hold ${logged} bytes`);
    assert.ok(heapGrowth < 32 * 2 ** 20, `the heap grew by ${heapGrowth} bytes`);

    // Cancelling works on a full socket; the streams end at once.
    for (let i = 0; i < STREAMS; i++) client.send({ type: 'cancel', id: `s${i}` });
    const settled = await Promise.all(streams.map((g) => g.settled));
    assert.ok(settled.every((s) => s.status === 'cancelled'));
    client.ws.terminate();
  });

  test('an upstream behind a full socket stops being read', async () => {
    const tokens = 400_000;
    const client = await MultiplexClient.connect(gateway);
    client.ws.pause();
    client.send({ type: 'request', id: 'one', body: chatBody({ model: 'up/m', sim: { tokens } }) });
    await stalledStreams(gateway, 1);
    const aborted = nextEvent<{ tokensSent: number }>(upstream.events, 'abort');
    client.send({ type: 'cancel', id: 'one' });
    const { tokensSent } = await aborted;
    assert.ok(tokensSent < tokens / 2, `the upstream sent ${tokensSent} of ${tokens} tokens to a client that reads nothing`);
    client.ws.terminate();
  });
});
