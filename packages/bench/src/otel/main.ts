/**
 * `npm run bench:otel [-- --rounds N --streams N]`
 *
 * What OpenTelemetry adds to the time to first token. Three targets in one
 * interleaved run against the bench upstream: the upstream directly, sluice
 * with telemetry off (the default), and sluice exporting every span and the
 * GenAI metrics over OTLP/HTTP to a loopback collector that accepts and
 * discards. Each round sends the same burst of concurrent streams to each
 * target, in a rotating order, so a loaded machine weighs on all three alike.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess } from '../procs/server-process.ts';
import { SLUICE_CLI, UPSTREAM_MAIN } from '../targets/paths.ts';
import { timeToFirstToken } from './first-token.ts';
import { summarise, type Summary } from './summary.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = option('rounds', 30);
const STREAMS = option('streams', 20);
const UPSTREAM_TTFT_MS = 20;

const work = mkdtempSync(join(tmpdir(), 'sluice-otel-bench-'));
const collector = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
const exported = { requests: 0 };
collector.on('request', () => exported.requests++);

const upstreamPort = await freePort();
const upstream = await ServerProcess.start({ name: 'upstream', args: ['--conditions=@sluice/source', UPSTREAM_MAIN, '--port', String(upstreamPort)], port: upstreamPort, logFile: join(work, 'upstream.log') });
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

async function sluice(name: string, otel: object | undefined): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const config = { server: { port }, providers: [{ id: 'up', type: 'openai-compatible', baseURL: `${upstreamUrl}/v1` }], ledger: false, logLevel: 'warn', ...(otel ? { otel } : {}) };
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const server = await ServerProcess.start({ name, args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', SLUICE_CLI, 'serve', '--config', file], port, logFile: join(work, `${name}.log`), cwd: work });
  return { server, url: `http://127.0.0.1:${port}` };
}

const off = await sluice('otel-off', undefined);
const on = await sluice('otel-on', { enabled: true, endpoint: collectorUrl, metricIntervalMs: 1000 });
const targets = [
  { name: 'direct', url: upstreamUrl, model: 'bench' },
  { name: 'sluice, OTel off', url: off.url, model: 'up/bench' },
  { name: 'sluice, OTel on', url: on.url, model: 'up/bench' },
];
const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));

try {
  // One warm-up round per target, not counted: connections, JIT, the SDK's first export.
  for (const target of targets) await burst(target, 'warm');
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(round + i) % targets.length];
      samples.get(target.name)!.push(...(await burst(target, `r${round}`)));
    }
  }
  report();
} finally {
  await Promise.all([off.server.stop(), on.server.stop(), upstream.stop()]);
  collector.close();
}

async function burst(target: (typeof targets)[number], tag: string): Promise<number[]> {
  return Promise.all(Array.from({ length: STREAMS }, (_, i) => timeToFirstToken(target.url, target.model, `${tag}-${i}`, UPSTREAM_TTFT_MS)));
}

function report(): void {
  const direct = summarise(samples.get('direct')!);
  const rows = targets.map((t) => [t.name, summarise(samples.get(t.name)!)] as const);
  const line = (name: string, s: Summary) =>
    `| ${name} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${(s.p50 - direct.p50).toFixed(2)} | ${(s.p95 - direct.p95).toFixed(2)} |`;
  const lines = [
    `OTel TTFT bench: ${ROUNDS} interleaved rounds × ${STREAMS} concurrent streams per target, upstream TTFT ${UPSTREAM_TTFT_MS} ms; ${exported.requests} OTLP exports received`,
    '',
    '| target | TTFT p50 ms | TTFT p95 ms | added p50 ms | added p95 ms |',
    '|---|---|---|---|---|',
    ...rows.map(([name, s]) => line(name, s)),
  ];
  const offAdded = rows[1][1].p50 - direct.p50;
  const onAdded = rows[2][1].p50 - direct.p50;
  lines.push('', `added TTFT p50, on / off: ${(onAdded / offAdded).toFixed(2)}×`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
