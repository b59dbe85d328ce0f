/**
 * `npm run bench:keys [-- --rounds N --streams N]`
 *
 * What a managed key costs on the request path over a config key: the
 * time to first token of the bare proxy (the floor), and of one sluice
 * process with the admin API on, streamed with a config key and with a
 * managed key (`sk-sluice-<id>-<secret>`, looked up in the in-memory
 * directory). Each round sends the same streams to each target in a
 * rotating order, one at a time, so a loaded machine weighs on all alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../procs/free-port.ts';
import { ServerProcess } from '../procs/server-process.ts';
import { ttftTable } from '../otel/summary.ts';
import { SLUICE_CLI } from '../targets/paths.ts';
import { interleavedTtft, numberOption, startFloor } from '../procs/floor.ts';

const ROUNDS = numberOption('rounds', 20);
const STREAMS = numberOption('streams', 20);
const CONFIG_KEY = 'sk-bench-config-key-0000';
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

const work = mkdtempSync(join(tmpdir(), 'sluice-keys-bench-'));
const { upstream, upstreamUrl, proxy, proxyUrl } = await startFloor(work);

const port = await freePort();
const file = join(work, 'sluice.json');
writeFileSync(
  file,
  JSON.stringify({
    server: { port },
    providers: [{ id: 'up', type: 'openai-compatible', baseURL: `${upstreamUrl}/v1` }],
    keys: [{ name: 'config', key: CONFIG_KEY }],
    admin: { keyEnv: 'SLUICE_BENCH_ADMIN_KEY' },
    ledger: { path: join(work, 'ledger.db') },
    logLevel: 'warn',
  }),
);
const gateway = await ServerProcess.start({ name: 'sluice', args: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning', SLUICE_CLI, 'serve', '--config', file], port, logFile: join(work, 'sluice.log'), cwd: work, env: { SLUICE_BENCH_ADMIN_KEY: ADMIN_KEY } });
const url = `http://127.0.0.1:${port}`;
const made = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
if (made.status !== 201) throw new Error(`creating the managed key: ${made.status} ${await made.text()}`);
const managedKey = ((await made.json()) as { key: string }).key;

const targets = [
  { name: 'bare proxy', url: proxyUrl, model: 'bench' },
  { name: 'sluice, config key', url, model: 'up/bench', key: CONFIG_KEY },
  { name: 'sluice, managed key', url, model: 'up/bench', key: managedKey },
];
let samples = new Map<string, number[]>();

try {
  samples = await interleavedTtft(targets, ROUNDS, STREAMS);
  const lines = [
    `Keys TTFT bench: ${ROUNDS} interleaved rounds × ${STREAMS} sequential streams per target (20 chunks, 2 ms apart)`,
    '',
    ...ttftTable(samples, targets.map((t) => t.name), { column: 'over the config key p50 ms', of: () => 'sluice, config key' }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await Promise.all([gateway.stop(), proxy.stop(), upstream.stop()]);
}
