/**
 * The scheduler under a burst of 200 requests against an upstream that
 * enforces its own limit and answers 429 with Retry-After: concurrency and
 * rate are honoured, the rate reached is the limit (within 10 %), the
 * server's advice is waited out, and no request is lost.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SluiceClient } from '../src/index.ts';
import { startPlainUpstream, tokensOf, type Answer, type PlainUpstream } from './helpers/plain-upstream.ts';

const upstreams: PlainUpstream[] = [];
after(() => Promise.all(upstreams.map((u) => u.close())));

/**
 * Steady-state rate per second of the instants after the first `burst`
 * (which a bucket may spend at once): the least-squares slope of arrival
 * time against arrival number, so one late or early arrival at either end
 * (a busy machine) does not skew it as a first-to-last ratio would.
 */
function steadyRate(instants: number[], burst: number): number {
  const times = [...instants].sort((a, b) => a - b).slice(burst);
  const n = times.length;
  const meanIndex = (n - 1) / 2;
  const meanTime = times.reduce((sum, t) => sum + t, 0) / n;
  let covariance = 0;
  let variance = 0;
  times.forEach((t, i) => {
    covariance += (i - meanIndex) * (t - meanTime);
    variance += (i - meanIndex) ** 2;
  });
  return 1000 / (covariance / variance);
}

const content = (i: number) => `request ${String(i).padStart(3, '0')} of the burst`;

test('200 requests: rpm and maxConcurrent honoured, 429 advice waited out, rate within 10 % of the limit, none lost', async (t) => {
  const perSecond = 40;
  // The upstream allows a little more than the client is configured for, as real limits usually do:
  // only the client's opening burst runs into it.
  const upstreamPerSecond = 44;
  // Enough slots that the rate, not the slots, is what binds even on a busy machine.
  const maxConcurrent = 16;
  const admitted: number[] = [];
  const refusals: Array<{ content: string; at: number; waitMs: number }> = [];
  const upstream = await startPlainUpstream((body): Answer => {
    // The upstream's own limit: `perSecond` in any sliding second; beyond it, 429 with exact advice.
    const now = performance.now();
    const recent = admitted.filter((at) => now - at < 1000);
    const text = String(body.messages[0].content);
    if (recent.length >= upstreamPerSecond) {
      const waitMs = Math.ceil(1000 - (now - recent[0]));
      refusals.push({ content: text, at: now, waitMs });
      return { kind: 'error', status: 429, headers: { 'retry-after-ms': String(waitMs), 'retry-after': String(Math.ceil(waitMs / 1000)) } };
    }
    admitted.push(now);
    return { kind: 'stream', tokens: tokensOf(text), delayMs: 5 };
  });
  upstreams.push(upstream);
  // A quarter second of burst: the opening burst still meets the upstream's limit, but a stall on a busy
  // machine is caught up in small steps rather than one second's worth at once (which would draw late 429s).
  const client = new SluiceClient({ baseURL: upstream.baseURL, transport: 'sse', maxRetries: 20, limits: { rpm: perSecond * 60, maxConcurrent, burstSeconds: 0.25 } });
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.chat.stream({ model: 'm', messages: [{ role: 'user', content: content(i) }] }).final()));

  results.forEach((result, i) => assert.equal(result.text, content(i), `request ${i} came back whole`));
  assert.equal(admitted.length, 200, 'each request was served exactly once');
  assert.ok(upstream.maxInFlight <= maxConcurrent, `${upstream.maxInFlight} in flight at once`);
  assert.ok(refusals.length > 0, 'the burst met the upstream limit');
  for (const refusal of refusals) {
    const retry = upstream.requests.find((r) => r.body.messages[0].content === refusal.content && r.at > refusal.at);
    assert.ok(retry, `${refusal.content} was retried`);
    assert.ok(retry.at - refusal.at >= refusal.waitMs - 2, `${refusal.content} was retried ${(retry.at - refusal.at).toFixed(0)} ms after a ${refusal.waitMs} ms Retry-After`);
  }
  // The client's own pace: after its opening burst and after the last 429 pause.
  const lastRefusal = Math.max(...refusals.map((r) => r.at + r.waitMs));
  const steady = admitted.filter((at) => at > lastRefusal).slice(1);
  assert.ok(steady.length >= 60, `${steady.length} requests after the last 429 is enough to measure a rate`);
  const rate = steadyRate(steady, 0);
  t.diagnostic(`steady rate ${rate.toFixed(2)}/s (limit ${perSecond}/s), ${refusals.length} 429s, max ${upstream.maxInFlight} in flight`);
  assert.ok(Math.abs(rate - perSecond) <= perSecond * 0.1, `steady request rate ${rate.toFixed(1)}/s against a limit of ${perSecond}/s`);
  const stats = client.stats();
  assert.equal(stats.completed, 200);
  assert.equal(stats.failed, 0);
  assert.equal(stats.active + stats.queued, 0);
});

test('tpm paces by tokens: the token rate reached is the limit (within 10 %), none lost', async (t) => {
  const arrivals: number[] = [];
  const upstream = await startPlainUpstream((body): Answer => {
    arrivals.push(performance.now());
    return { kind: 'stream', tokens: tokensOf(String(body.messages[0].content)) };
  });
  upstreams.push(upstream);
  // Each request: 24 characters of prompt (6 tokens + 4 framing = 10, what the upstream reports) and 5 completion tokens.
  const tokensPerRequest = 15;
  const requestsPerSecond = 40;
  // A quarter second of burst: a busy machine's stalls can be caught up only that far, so the pace stays even.
  const burstSeconds = 0.25;
  const client = new SluiceClient({ baseURL: upstream.baseURL, transport: 'sse', limits: { tpm: tokensPerRequest * requestsPerSecond * 60, burstSeconds } });
  const results = await Promise.all(
    Array.from({ length: 160 }, (_, i) => client.chat.stream({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: content(i) }] }).final()),
  );
  results.forEach((result, i) => {
    assert.equal(result.text, content(i));
    assert.equal(result.usage?.total_tokens, tokensPerRequest);
  });
  const tokenRate = steadyRate(arrivals, requestsPerSecond * burstSeconds) * tokensPerRequest;
  const limit = tokensPerRequest * requestsPerSecond;
  t.diagnostic(`steady token rate ${tokenRate.toFixed(1)}/s (limit ${limit}/s)`);
  assert.ok(Math.abs(tokenRate - limit) <= limit * 0.1, `steady token rate ${tokenRate.toFixed(0)}/s against a limit of ${limit}/s`);
  assert.equal(client.stats().tokens, 160 * tokensPerRequest);
});
