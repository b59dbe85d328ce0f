/**
 * `npm run bench:limits [-- --rounds N --streams N --cpu-rounds N --before <checkout>]`
 *
 * `--before` names another checkout of the repository (its own `npm ci`
 * done): its gateway runs beside this one, on the same upstream and a
 * Redis of its own key prefix, its targets interleaved with these, so one
 * run on a shared machine compares a change with what it changed.
 *
 * What admission (limits/) adds to the time to first token, and how many
 * Redis round trips a request costs. Targets in one interleaved run against
 * the bench upstream: the bare proxy (the floor of any Node gateway), sluice
 * with a key that has no limits, and sluice with a key that has RPM, TPM,
 * concurrency and a budget on a priced model, on the memory store and on a
 * Redis the bench starts itself (so no other client enters its counts).
 * Each round sends the same streams to each target in a rotating order,
 * one at a time, so a loaded machine weighs on all of them alike. Beside
 * them, one bare round trip to the same Redis: the least a limit on Redis
 * can add, whatever the gateway does.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess } from '../procs/server-process.ts';
import { summarise, ttftTable } from '../otel/summary.ts';
import { SLUICE_CLI } from '../targets/paths.ts';
import { interleavedTtft, numberOption, startFloor } from '../procs/floor.ts';
import { redisInfo } from './redis-info.ts';
import { redisPingMs } from './redis-ping.ts';
import { cpuPerRequest } from './cpu-time.ts';
import { streamOnce } from './stream-once.ts';
import { LIMITED_KEY as KEY, LIMITS, pricedModel } from '../targets/limited-key.ts';

const BEFORE = stringOption('before');
const ROUNDS = numberOption('rounds', 20);
const CPU_ROUNDS = numberOption('cpu-rounds', 10);
const STREAMS = numberOption('streams', 20);
const REDIS_SERVER = '/usr/bin/redis-server';
const FREE_KEY = 'sk-bench-free-000000';
/** Bare Redis round trips, one a stream's length apart (20 chunks 2 ms apart), as the admissions came. */
const PINGS = 200;
const PING_GAP_MS = 40;

const work = mkdtempSync(join(tmpdir(), 'sluice-limits-bench-'));
const { upstream, upstreamUrl, proxy, proxyUrl } = await startFloor(work);

const redisPort = await freePort();
const redis = existsSync(REDIS_SERVER) ? spawn(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }) : undefined;
const redisUrl = `redis://127.0.0.1:${redisPort}`;
if (redis !== undefined) await redisInfo(redisPort, 'server');

async function sluice(name: string, extra: object, cli = SLUICE_CLI): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const config = {
    server: { port },
    providers: [{ id: 'up', type: 'openai-compatible', baseURL: `${upstreamUrl}/v1` }],
    models: [
      pricedModel('up/bench'),
      { ...pricedModel('sim/bench'), name: 'priced-sim' },
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
  const server = await ServerProcess.start({ name, args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', cli, 'serve', '--config', file], port, logFile: join(work, `${name}.log`), cwd: work });
  return { server, url: `http://127.0.0.1:${port}` };
}

const memory = await sluice('memory', {});
const onRedis = redis === undefined ? undefined : await sluice('redis', { redis: { url: redisUrl, keyPrefix: 'bench:' } });
const beforeCli = BEFORE === undefined ? undefined : join(BEFORE, 'packages/gateway/src/cli/main.ts');
const memoryBefore = beforeCli === undefined ? undefined : await sluice('memory-before', {}, beforeCli);
const onRedisBefore = beforeCli === undefined || redis === undefined ? undefined : await sluice('redis-before', { redis: { url: redisUrl, keyPrefix: 'bench-before:' } }, beforeCli);

interface Target {
  name: string;
  url: string;
  model: string;
  key?: string;
  /** The gateway's process (for its CPU time), and whether its limits live in the bench's Redis. */
  pid?: number;
  redis?: boolean;
}
/** A gateway's two targets: its key without limits (the baseline) and the key with every limit. */
function gatewayTargets(label: string, gateway: { server: ServerProcess; url: string } | undefined, redis: boolean): Target[] {
  if (gateway === undefined) return [];
  const on = { url: gateway.url, model: 'priced', pid: gateway.server.child.pid, redis };
  return [
    { name: `${label}${redis ? 'sluice on Redis, key without limits' : 'sluice, key without limits'}`, key: FREE_KEY, ...on },
    { name: `${label}${redis ? 'sluice, limits on Redis' : 'sluice, limits on memory'}`, key: KEY, ...on },
  ];
}
const targets: Target[] = [
  { name: 'bare proxy', url: proxyUrl, model: 'bench' },
  ...gatewayTargets('', memory, false),
  ...gatewayTargets('', onRedis, true),
  ...gatewayTargets('before: ', memoryBefore, false),
  ...gatewayTargets('before: ', onRedisBefore, true),
];
let samples = new Map<string, number[]>();

try {
  samples = await interleavedTtft(targets, ROUNDS, STREAMS);
  const pings = redis === undefined ? undefined : await redisPingMs(redisPort, PINGS, PING_GAP_MS);
  const cpu = await cpuRounds();
  const trips = onRedis === undefined ? undefined : await roundTrips(targets.find((t) => t.name === 'sluice, limits on Redis')!);
  const tripsBefore = onRedisBefore === undefined ? undefined : await roundTrips(targets.find((t) => t.name === 'before: sluice, limits on Redis')!);
  report(trips, tripsBefore, cpu, pings);
} finally {
  await Promise.all([memory.server.stop(), onRedis?.server.stop(), memoryBefore?.server.stop(), onRedisBefore?.server.stop(), proxy.stop(), upstream.stop()]);
  redis?.kill('SIGKILL');
}

/**
 * CPU time a request costs each gateway (all its threads) and the Redis
 * server: `CPU_ROUNDS` rounds, each target's `STREAMS` sequential streams
 * in turn, summed per target. CPU time hardly moves with other work on the
 * machine, so builds compare where latency figures drown in the noise.
 */
async function cpuRounds(): Promise<Map<string, { gateway: number; redis: number }>> {
  const totals = new Map<string, { gateway: number; redis: number; n: number }>();
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const target of targets) {
      if (target.pid === undefined) continue;
      const [gateway, server] = await cpuPerRequest([target.pid, redis?.pid], STREAMS, async () => {
        for (let s = 0; s < STREAMS; s++) await streamOnce(target, `cpu${round}-${s}`, 20);
      });
      const sum = totals.get(target.name) ?? { gateway: 0, redis: 0, n: 0 };
      totals.set(target.name, { gateway: sum.gateway + (gateway ?? 0), redis: sum.redis + (server ?? 0), n: sum.n + 1 });
    }
  }
  return new Map([...totals].map(([name, t]) => [name, { gateway: t.gateway / t.n, redis: t.redis / t.n }]));
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

function report(trips: TripsRow[] | undefined, tripsBefore: TripsRow[] | undefined, cpu: Map<string, { gateway: number; redis: number }>, pings: number[] | undefined): void {
  const lines = [
    `Limits TTFT bench: ${ROUNDS} interleaved rounds × ${STREAMS} sequential streams per target (20 chunks, 2 ms apart)`,
    '',
    ...ttftTable(samples, targets.map((t) => t.name), { column: 'over the same gateway, key without limits, p50 ms', of: baselineOf }),
  ];
  if (pings !== undefined) {
    const ping = summarise(pings);
    lines.push('', `One Redis round trip (PING over a plain socket, ${pings.length} of them ${PING_GAP_MS} ms apart), the least a limit on Redis can add: p50 ${ping.p50.toFixed(3)} ms, p95 ${ping.p95.toFixed(3)} ms`);
  }
  lines.push('', '| target | gateway CPU µs a request | over the same gateway, key without limits | Redis CPU µs a request |', '|---|---|---|---|');
  for (const t of targets.filter((t) => cpu.has(t.name))) {
    const own = cpu.get(t.name)!;
    const base = cpu.get(baselineOf(t.name))!;
    lines.push(`| ${t.name} | ${own.gateway.toFixed(0)} | ${(own.gateway - base.gateway).toFixed(0)} | ${t.redis === true ? own.redis.toFixed(1) : ''} |`);
  }
  if (trips !== undefined) {
    const before = tripsBefore === undefined ? '' : ' before |';
    lines.push('', `| output | completion tokens a request (mean, as the upstream counts) | Redis round trips a request |${before} budget: 2 + 1 per 256 output tokens |`, `|---|---|---|${before === '' ? '' : '---|'}---|`);
    trips.forEach((row, i) => {
      const was = tripsBefore === undefined ? '' : ` ${tripsBefore[i].perRequest.toFixed(2)} |`;
      lines.push(`| ${row.text} | ${row.tokens.toFixed(0)} | ${row.perRequest.toFixed(2)} |${was} ${(2 + Math.ceil(row.tokens / 256)).toFixed(0)} |`);
    });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The target a target's added time is measured against: the same gateway with the key without limits. */
function baselineOf(name: string): string {
  const before = name.startsWith('before: ') ? 'before: ' : '';
  return `${before}${name.includes('Redis') ? 'sluice on Redis, key without limits' : 'sluice, key without limits'}`;
}

function stringOption(name: string, args: readonly string[] = process.argv.slice(2)): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
}
