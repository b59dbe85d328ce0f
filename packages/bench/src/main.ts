/**
 * `npm run bench [-- --quick] [--targets a,b] [--phases a,b] [--out DIR] [--keep-logs] [--cpu-prof DIR] [--ws-streams-per-socket N]`
 *
 * Runs the benchmark, prints the Markdown tables on stdout (progress goes to
 * stderr) and writes `<date>.json`, `.md` and `.svg` to the results folder.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PHASES, type Phase } from './orchestrate/phases.ts';
import { runBench } from './orchestrate/run.ts';
import { renderMarkdown } from './report/markdown.ts';
import { writeResults } from './report/write.ts';
import { TARGET_ORDER, type TargetName } from './targets/target.ts';

const USAGE = `usage: npm run bench -- [--quick] [--targets ${TARGET_ORDER.join(',')}] [--phases ${PHASES.join(',')}] [--out DIR] [--keep-logs]
  --quick      the smoke run: every phase, small, under a minute (timings not meaningful)
  --targets    measure only these targets (default: all); the floor (bare-proxy) always runs, the ratios need it
  --phases     run only these phases (default: all); load = CPU at a fixed rate and at saturation, and throughput
  --out        where to write <date>.json/.md/.svg (default: packages/bench/results)
  --keep-logs  keep the servers' logs and configs, and say where
  --cpu-prof   write a V8 CPU profile of every sluice process to DIR (<target>.cpuprofile, both Redis replicas)
  --heap-snapshots DIR  the memory phase writes a heap snapshot of every sluice target before its idle streams
               and at each count (<target>-<count>.heapsnapshot); the snapshots perturb its RSS figures.
               Read them with: npm run bench:heap -- <before> <after> <count>
  --ws-streams-per-socket N  streams the load generator multiplexes on one sluice.v1 socket (default 64)
The sluice-sse-redis target runs on the Redis at REDIS_URL (or SLUICE_REDIS_URL); without one it is n/a.`;

class UsageError extends Error {}

interface Options {
  quick: boolean;
  targets: TargetName[];
  phases: Phase[];
  out: string;
  keepLogs: boolean;
  cpuProfDir: string | null;
  heapSnapshotDir: string | null;
  wsStreamsPerSocket?: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { quick: false, targets: [...TARGET_ORDER], phases: [...PHASES], out: fileURLToPath(new URL('../results/', import.meta.url)), keepLogs: false, cpuProfDir: null, heapSnapshotDir: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--keep-logs') options.keepLogs = true;
    else if (arg === '--out') options.out = argv[++i] ?? '';
    else if (arg === '--cpu-prof') options.cpuProfDir = resolve(argv[++i] ?? '.');
    else if (arg === '--heap-snapshots') options.heapSnapshotDir = resolve(argv[++i] ?? '.');
    else if (arg === '--ws-streams-per-socket') {
      const count = Number(argv[++i]);
      if (!Number.isInteger(count) || count < 1) throw new UsageError('--ws-streams-per-socket needs a whole number of streams, 1 or more');
      options.wsStreamsPerSocket = count;
    }
    else if (arg === '--targets') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(TARGET_ORDER as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) throw new UsageError(`unknown target(s): ${unknown.join(', ') || '(none given)'}`);
      // The load figures are ratios to the floor measured in the same rounds: the floor always runs.
      options.targets = TARGET_ORDER.filter((n) => names.includes(n) || n === 'bare-proxy');
    } else if (arg === '--phases') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(PHASES as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) throw new UsageError(`unknown phase(s): ${unknown.join(', ') || '(none given)'}`);
      options.phases = PHASES.filter((n) => names.includes(n));
    } else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else throw new UsageError(`unknown option ${arg}`);
  }
  if (options.out === '') throw new UsageError('--out needs a directory');
  return options;
}

try {
  const options = parseArgs(process.argv.slice(2));
  const redisUrl = process.env.REDIS_URL || process.env.SLUICE_REDIS_URL || null;
  const results = await runBench({ quick: options.quick, targets: options.targets, phases: options.phases, keepLogs: options.keepLogs, redisUrl, cpuProfDir: options.cpuProfDir, heapSnapshotDir: options.heapSnapshotDir, wsStreamsPerSocket: options.wsStreamsPerSocket });
  const files = writeResults(results, options.out);
  process.stdout.write(renderMarkdown(results));
  process.stderr.write(`bench: wrote ${files.json}\n       ${files.markdown}\n       ${files.svg}\n`);
} catch (error) {
  if (error instanceof UsageError) {
    if (error.message) process.stderr.write(`bench: ${error.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  throw error;
}
