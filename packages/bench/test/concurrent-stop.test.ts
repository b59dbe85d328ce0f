/**
 * The concurrent run's early stop, against the bench upstream on loopback:
 * at the first gap over the limit the run ends, the open streams are cut and
 * counted apart from the tally, and the streams not yet started never start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConcurrent } from '../src/loadgen/phases/concurrent.ts';
import { SseClient } from '../src/loadgen/clients/sse-client.ts';
import { startUpstream } from '../src/upstream/server.ts';

const directTo = (url: string) => ({ name: 'direct', transport: 'sse-h1' as const, url, model: 'bench', headers: {}, cancelBy: 'close' as const });

test('a run with a gap limit stops at the first gap over it, cuts what is open and starts nothing more', async (t) => {
  const upstream = await startUpstream();
  const client = new SseClient(directTo(upstream.url));
  t.after(async () => {
    await client.close();
    await upstream.close();
  });
  // Chunks 30 ms apart against a limit of 10 ms: the first stream's second chunk stops the run, long before the ramp is over.
  const params = { streams: 20, chunks: 40, itlMs: 30, rampMs: 2000, stopAtGapMs: 10 };
  const stopped = await runConcurrent('stop', 'direct', client, params);
  assert.ok(stopped.cut !== undefined && stopped.cut > 0, 'the run says it stopped');
  assert.equal(stopped.tally.streams + stopped.cut, params.streams, 'every slot is either tallied or cut');
  assert.equal(stopped.tally.failed, 0, 'the cut streams are not counted as failures of the target');
  assert.ok(stopped.maxGapMs > params.stopAtGapMs, `the gap that stopped it is reported (${stopped.maxGapMs} ms)`);
  assert.ok(stopped.wallMs < 1000, `it ended at the stop, not after the ${params.rampMs} ms ramp and ${params.chunks * params.itlMs} ms streams (${stopped.wallMs} ms)`);
  assert.ok(upstream.stats().started < params.streams, 'the streams whose start came after the stop never reached the upstream');

  // The same run under a limit it keeps: nothing stops, every stream is exact.
  const kept = await runConcurrent('keep', 'direct', client, { streams: 5, chunks: 5, itlMs: 5, rampMs: 20, stopAtGapMs: 1000 });
  assert.equal(kept.cut, undefined);
  assert.deepEqual({ streams: kept.tally.streams, exact: kept.tally.exact }, { streams: 5, exact: 5 });
});
