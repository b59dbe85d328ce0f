/**
 * `npm run bench:limits [-- --rounds N --streams N]`
 *
 * What admission (limits/) adds to the time to first token, and how many
 * Redis round trips a request costs. Targets in one interleaved run against
 * the bench upstream: the bare proxy (the floor of any Node gateway), sluice
 * with a key that has no limits, and sluice with a key that has RPM, TPM,
 * concurrency and a budget on a priced model, on the memory store and on a
 * Redis the bench starts itself (so no other client enters its counts).
 * Each round sends the same streams to each target in a rotating order,
 * one at a time, so a loaded machine weighs on all of them alike.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess } from '../procs/server-process.ts';
import { summarise } from '../otel/summary.ts';
import { SLUICE_CLI } from '../targets/paths.ts';
import { interleavedTtft, numberOption, startFloor } from '../procs/floor.ts';
import { redisInfo } from './redis-info.ts';
import { streamOnce } from './stream-once.ts';

const ROUNDS = numberOption('rounds', 20);
const STREAMS = numberOption('streams', 20);
const REDIS_SERVER = '/usr/bin/redis-server';
const KEY = 'sk-bench-limited-0000';
const FREE_KEY = 'sk-bench-free-000000';
const LIMITS = { rpm: 1_000_000, tpm: 1_000_000_000, concurrency: 1000, budget: { usd: 1_000_000, period: 'day' } };

const work = mkdtempSync(join(tmpdir(), 'sluice-limits-bench-'));
const { upstream, upstreamUrl, proxy, proxyUrl } = await startFloor(work);

const redisPort = await freePort();
const redis = existsSync(REDIS_SERVER) ? spawn(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }) : undefined;
const redisUrl = `redis://127.0.0.1:${redisPort}`;
if (redis !== undefined) await redisInfo(redisPort, 'server');

async function sluice(name: string, extra: object): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const config = {
    server: { port },
    providers: [{ id: 'up', type: 'openai-compatible', baseURL: `${upstreamUrl}/v1` }],
    models: [
      { name: 'priced', target: 'up/bench', price: { input: 1, output: 2 } },
      { name: 'priced-sim', target: 'sim/bench', price: { input: 1, output: 2 } },
    ],
    keys: [
      { name: 'limited', key: KEY, limits: LIMITS },
      { name: 'free', key: FREE_KEY },
    ],
    ledger: false,
    logLevel: 'warn',
    ...extra,
  };
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const server = await ServerProcess.start({ name, args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', SLUICE_CLI, 'serve', '--config', file], port, logFile: join(work, `${name}.log`), cwd: work });
  return { server, url: `http://127.0.0.1:${port}` };
}

const memory = await sluice('memory', {});
const onRedis = redis === undefined ? undefined : await sluice('redis', { redis: { url: redisUrl, keyPrefix: 'bench:' } });

interface Target {
  name: string;
  url: string;
  model: string;
  key?: string;
}
const targets: Target[] = [
  { name: 'bare proxy', url: proxyUrl, model: 'bench' },
  { name: 'sluice, key without limits', url: memory.url, model: 'priced', key: FREE_KEY },
  { name: 'sluice, limits on memory', url: memory.url, model: 'priced', key: KEY },
  ...(onRedis === undefined
    ? []
    : [
        { name: 'sluice on Redis, key without limits', url: onRedis.url, model: 'priced', key: FREE_KEY },
        { name: 'sluice, limits on Redis', url: onRedis.url, model: 'priced', key: KEY },
      ]),
];
let samples = new Map<string, number[]>();

try {
  samples = await interleavedTtft(targets, ROUNDS, STREAMS);
  const trips = onRedis === undefined ? undefined : await roundTrips(targets.at(-1)!);
  report(trips);
} finally {
  await Promise.all([memory.server.stop(), onRedis?.server.stop(), proxy.stop(), upstream.stop()]);
  redis?.kill('SIGKILL');
}

/** Limit scripts Redis ran (EVALSHA and the EVAL that loads a script), from its own command statistics. */
async function scriptCalls(): Promise<number> {
  const info = await redisInfo(redisPort, 'commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(match[2]);
  return calls;
}

interface TripsRow {
  text: string;
  tokens: number;
  perRequest: number;
}

/**
 * Round trips per request at several output lengths: admission, settlement,
 * and the extensions, one per 256 output tokens as the gateway counts them
 * (the tokenizer, delta by delta). The bench upstream's chunks (`"599 "`)
 * are one token by its own count and two or three by the tokenizer's; the
 * simulator's words are close to real text.
 */
async function roundTrips(target: Target): Promise<TripsRow[]> {
  const rows: TripsRow[] = [];
  const runs = [
    { text: 'bench upstream', chunks: 20 },
    { text: 'bench upstream', chunks: 600 },
    { text: 'simulator words', chunks: 600, sim: true },
    { text: 'simulator words', chunks: 2000, sim: true },
  ];
  for (const run of runs) {
    const before = await scriptCalls();
    let tokens = 0;
    const n = 20;
    for (let i = 0; i < n; i++) tokens += run.sim ? await simStream(target, run.chunks) : (await streamOnce(target, `trips-${run.chunks}-${i}`, run.chunks)).completionTokens;
    // Settlement goes out as the stream ends; give the last one a moment to arrive.
    await new Promise((r) => setTimeout(r, 100));
    rows.push({ text: run.text, tokens: tokens / n, perRequest: ((await scriptCalls()) - before) / n });
  }
  return rows;
}

/** A stream from the gateway's own simulator (real words), read to its end: the completion tokens it reports. */
async function simStream(target: Target, tokens: number): Promise<number> {
  const body = JSON.stringify({ model: 'priced-sim', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Tell me about rivers.' }], sim: { tokens } });
  const response = await fetch(`${target.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` }, body });
  const text = await response.text();
  const usage = /"completion_tokens":(\d+)/.exec(text);
  if (usage === null) throw new Error(`no usage from the simulator: ${text.slice(-300)}`);
  return Number(usage[1]);
}

function report(trips: TripsRow[] | undefined): void {
  const floor = summarise(samples.get('bare proxy')!);
  const free = summarise(samples.get('sluice, key without limits')!);
  const lines = [
    `Limits TTFT bench: ${ROUNDS} interleaved rounds × ${STREAMS} sequential streams per target (20 chunks, 2 ms apart)`,
    '',
    '| target | TTFT p50 ms | TTFT p95 ms | over bare proxy p50 ms | over the same gateway, key without limits, p50 ms |',
    '|---|---|---|---|---|',
    ...targets.map((t) => {
      const s = summarise(samples.get(t.name)!);
      const base = t.name.includes('Redis') ? (samples.has('sluice on Redis, key without limits') ? summarise(samples.get('sluice on Redis, key without limits')!) : free) : free;
      return `| ${t.name} | ${s.p50.toFixed(3)} | ${s.p95.toFixed(3)} | ${(s.p50 - floor.p50).toFixed(3)} | ${(s.p50 - base.p50).toFixed(3)} |`;
    }),
  ];
  if (trips !== undefined) {
    lines.push('', '| output | completion tokens a request (mean, as the upstream counts) | Redis round trips a request | budget: 2 + 1 per 256 output tokens |', '|---|---|---|---|');
    for (const row of trips) lines.push(`| ${row.text} | ${row.tokens.toFixed(0)} | ${row.perRequest.toFixed(2)} | ${(2 + Math.ceil(row.tokens / 256)).toFixed(0)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
