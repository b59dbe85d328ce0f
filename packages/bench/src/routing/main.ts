/**
 * `npm run bench:routing [-- --rounds N --streams N]`
 *
 * Two figures of issue 14, in one interleaved run against two loopback
 * upstreams (the simulator, in this process) and one `sluice serve`:
 *
 * 1. Hedging. Deployment `a` stalls its first token for 2 s on 5 % of its
 *    requests; `b` is healthy; the alias spreads 1:1. Each round sends a
 *    burst to: the pair while both are healthy (the healthy p99), the pair
 *    with `a` stalling and no hedge, and the same with `hedge.afterMs` and
 *    with `hedge.afterPercentile: 95`. It reports TTFT p50/p99 and the
 *    upstream requests each sent beyond one per client request.
 * 2. What routing adds. With both healthy: a plain alias (one target), the
 *    weighted pair, and a router model (rules, then the pair): TTFT p50/p99
 *    side by side, the plain alias the baseline.
 *
 * Every burst goes to each variant in a rotating order, so a loaded machine
 * weighs on all alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimServer, type SimServer } from '@sluice/gateway';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess } from '../procs/server-process.ts';
import { SLUICE_CLI } from '../targets/paths.ts';
import { firstContentMs, percentile } from './first-content.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = option('rounds', 40);
const STREAMS = option('streams', 25);
const UPSTREAM_TTFT_MS = 20;
const HEDGE_AFTER_MS = 60;
const STALL = { fault: { ttftMs: 2000, rate: 0.05 } };

const counted = (server: SimServer) => {
  const counter = { requests: 0 };
  server.events.on('request', () => counter.requests++);
  return counter;
};
const a = await startSimServer();
const b = await startSimServer();
const sent = [counted(a), counted(b)];
const upstreamRequests = () => sent[0].requests + sent[1].requests;

const work = mkdtempSync(join(tmpdir(), 'sluice-routing-bench-'));
const port = await freePort();
const pair = [{ target: 'a/m' }, { target: 'b/m' }];
const config = {
  server: { port },
  ledger: false,
  logLevel: 'warn',
  providers: [
    { id: 'a', type: 'openai-compatible', baseURL: a.baseURL },
    { id: 'b', type: 'openai-compatible', baseURL: b.baseURL },
  ],
  models: [
    { name: 'plain', target: 'a/m' },
    { name: 'pair', strategy: 'weighted', deployments: pair },
    { name: 'pair-hedged-ms', strategy: 'weighted', deployments: pair, hedge: { afterMs: HEDGE_AFTER_MS } },
    { name: 'pair-hedged-p95', strategy: 'weighted', deployments: pair, hedge: { afterPercentile: 95, minSamples: 20 } },
    {
      name: 'routed',
      router: {
        rules: [
          { name: 'tools', tools: true, use: 'plain' },
          { name: 'asked', hint: 'strong', use: 'plain' },
          { name: 'reasoning', lastUserMessage: '\\b(prove|debug|refactor)\\b', use: 'plain' },
          { name: 'long', minPromptTokens: 2000, use: 'plain' },
        ],
        default: 'pair',
      },
    },
  ],
};
const file = join(work, 'config.json');
writeFileSync(file, JSON.stringify(config));
const gateway = await ServerProcess.start({ name: 'sluice', args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', SLUICE_CLI, 'serve', '--config', file], port, logFile: join(work, 'sluice.log'), cwd: work });
const url = `http://127.0.0.1:${port}`;

interface Variant {
  name: string;
  model: string;
  stalled: boolean;
  samples: number[];
  extra: number;
  requests: number;
}
const variant = (name: string, model: string, stalled: boolean): Variant => ({ name, model, stalled, samples: [], extra: 0, requests: 0 });
const hedging = [variant('pair, both healthy', 'pair', false), variant('pair, a stalls, no hedge', 'pair', true), variant(`pair, a stalls, hedge afterMs ${HEDGE_AFTER_MS}`, 'pair-hedged-ms', true), variant('pair, a stalls, hedge afterPercentile 95', 'pair-hedged-p95', true)];
const overhead = [variant('plain alias (one target)', 'plain', false), variant('weighted pair (strategy, breakers, latency)', 'pair', false), variant('router model (4 rules) → weighted pair', 'routed', false)];

async function burst(v: Variant, tag: string, count: boolean): Promise<void> {
  a.setControls(v.stalled ? STALL : undefined);
  const before = upstreamRequests();
  const body = (i: number) => ({ model: v.model, messages: [{ role: 'user', content: `Tell me about rivers, ${tag} ${i}.` }], sim: { tokens: 8, ttftMs: UPSTREAM_TTFT_MS, delayMs: 2 } });
  const times = await Promise.all(Array.from({ length: STREAMS }, (_, i) => firstContentMs(url, body(i))));
  // Aborted hedge losers are counted when they arrived; every one has by the time its twin answered.
  if (!count) return;
  v.samples.push(...times);
  v.requests += STREAMS;
  v.extra += upstreamRequests() - before - STREAMS;
}

try {
  const groups = [hedging, overhead];
  // Warm-up, not counted: connections, JIT, and the latency samples afterPercentile needs.
  for (const group of groups) for (const v of group) for (let i = 0; i < 3; i++) await burst(v, `warm${i}`, false);
  for (let round = 0; round < ROUNDS; round++) {
    for (const group of groups) for (let i = 0; i < group.length; i++) await burst(group[(round + i) % group.length], `r${round}`, true);
    process.stderr.write(`\rbench:routing round ${round + 1}/${ROUNDS}`);
  }
  process.stderr.write('\n');
  report();
} finally {
  a.setControls(undefined);
  await gateway.stop();
  await Promise.all([a.close(), b.close()]);
}

function report(): void {
  const healthyP99 = percentile(hedging[0].samples, 0.99);
  const row = (v: Variant, extra: string) => `| ${v.name} | ${percentile(v.samples, 0.5).toFixed(1)} | ${percentile(v.samples, 0.99).toFixed(1)} | ${extra} |`;
  const plain = overhead[0];
  const lines = [
    `Routing bench: ${ROUNDS} interleaved rounds × ${STREAMS} concurrent streams per variant (${ROUNDS * STREAMS} each); upstream TTFT ${UPSTREAM_TTFT_MS} ms; deployment a stalls 2 s on 5 % of its requests where it says so`,
    '',
    '| hedging | TTFT p50 ms | TTFT p99 ms | p99 / healthy p99, extra upstream requests |',
    '|---|---|---|---|',
    ...hedging.map((v) => row(v, `${(percentile(v.samples, 0.99) / healthyP99).toFixed(2)}×, ${((100 * v.extra) / v.requests).toFixed(1)} %`)),
    '',
    '| what routing adds (both healthy) | TTFT p50 ms | TTFT p99 ms | added p50 / p99 over the plain alias, ms |',
    '|---|---|---|---|',
    ...overhead.map((v) => row(v, `${(percentile(v.samples, 0.5) - percentile(plain.samples, 0.5)).toFixed(2)} / ${(percentile(v.samples, 0.99) - percentile(plain.samples, 0.99)).toFixed(2)}`)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
