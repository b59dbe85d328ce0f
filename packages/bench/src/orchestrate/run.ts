/**
 * One benchmark run: start the upstream, the targets and the load generator
 * (each its own process), check every target streams exactly, run the
 * phases, stop everything. Returns the raw results; reporting is separate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyTally } from '../loadgen/tally.ts';
import { fullPlan, quickPlan } from '../plan.ts';
import { LoadgenProcess } from '../procs/loadgen-process.ts';
import { Progress } from '../progress.ts';
import type { BenchResults, TargetResult } from '../report/results.ts';
import { launchTarget, startUpstream, type LaunchedTarget } from '../targets/launch.ts';
import { runsFirstTokenOnly, runsLoadPhases, TARGET_LABELS, type TargetName } from '../targets/target.ts';
import { describeMachine, loadNow } from './machine.ts';
import { measureCancel, measureReconnect, measureResume, measureTtft, reconnectable, resumable } from './latency.ts';
import { capacitySteps, measureCapacityRounds } from './capacity.ts';
import { loadRoundSteps, measureLoadRounds } from './load.ts';
import { measureMemory } from './memory.ts';
import { PHASES, type Phase } from './phases.ts';
import type { Session } from './session.ts';

export interface RunOptions {
  quick: boolean;
  targets: readonly TargetName[];
  /** The phases to run (default: all of them). */
  phases?: readonly Phase[];
  /** Keep the scratch directory (server logs, configs) instead of removing it. */
  keepLogs: boolean;
  /** The Redis for the `sluice-sse-redis` target; null leaves that target "n/a". */
  redisUrl: string | null;
  /** Where the sluice processes write their CPU profiles; null: not profiled. */
  cpuProfDir?: string | null;
  /** Where the memory phase writes heap snapshots of the sluice processes (perturbs the RSS figures); null: none. */
  heapSnapshotDir?: string | null;
  /** Streams the load generator multiplexes on one `sluice.v1` socket (64 when absent). */
  wsStreamsPerSocket?: number;
}

const PREFLIGHT_ATTEMPTS = 3;

export async function runBench(options: RunOptions): Promise<BenchResults> {
  const startedAt = new Date();
  const workDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const machine = describeMachine();
  const params = options.quick ? quickPlan() : fullPlan(machine.openFileLimit);
  if (options.wsStreamsPerSocket !== undefined) params.wsStreamsPerSocket = options.wsStreamsPerSocket;
  const phases = new Set<Phase>(options.phases ?? PHASES);
  const results = new Map<string, TargetResult>(options.targets.map((name) => [name, emptyResult(name)]));
  const upstream = await startUpstream(workDir);
  const launched = await Promise.all(options.targets.map((name) => launchTarget(name, upstream, workDir, options.redisUrl, options.cpuProfDir ?? null, options.heapSnapshotDir ?? null)));
  const loadgen = new LoadgenProcess();
  try {
    const perSocket = params.wsStreamsPerSocket;
    const endpoints = launched.flatMap((t) => (t.endpoint ? [t.endpoint.transport === 'ws-sluice' && perSocket !== undefined ? { ...t.endpoint, streamsPerSocket: perSocket } : t.endpoint] : []));
    await loadgen.call({ type: 'init', upstreamUrl: upstream.url, targets: endpoints });
    const available: LaunchedTarget[] = [];
    for (const target of launched) {
      const reason = target.unavailable ?? (await foreignListener(target)) ?? (await preflight(loadgen, target));
      const result = results.get(target.name)!;
      result.transport = target.endpoint?.transport ?? null;
      if (reason === null) {
        result.available = true;
        available.push(target);
      } else {
        result.note = reason;
        await Promise.all([target.server?.stop(), target.replica?.stop()]);
      }
    }
    const session: Session = { loadgen, params, progress: new Progress(countSteps(params, available, phases)), targets: available, results, heapSnapshotDir: options.heapSnapshotDir ?? null };
    if (phases.has('memory')) for (const target of available.filter(idleMeasurable)) results.get(target.name)!.memory = await measureMemory(session, target);
    if (phases.has('ttft') && available.length > 0) await measureTtft(session);
    // The keys with limits are measured for what admission adds to the first token, nothing else.
    session.targets = available.filter((t) => !runsFirstTokenOnly(t.name));
    if (phases.has('cancel')) await measureCancel(session);
    // The upstream-protocol variants stop here: the phases below would measure their gateway again.
    session.targets = available.filter((t) => runsLoadPhases(t.name));
    if (phases.has('resume')) await measureResume(session);
    if (phases.has('reconnect')) await measureReconnect(session);
    if (phases.has('load')) await measureLoadRounds(session);
    if (phases.has('capacity')) await measureCapacityRounds(session);
    session.progress.finish();
    for (const target of available) {
      if (target.server !== null && !target.server.alive) results.get(target.name)!.note = `the process exited during the run: ${target.server.logTail.split('\n').slice(-3).join(' | ')}`;
      else results.get(target.name)!.note ??= await foreignListener(target);
    }
  } finally {
    await loadgen.close();
    await Promise.all(launched.flatMap((t) => [t.server?.stop(), t.replica?.stop()]));
    await upstream.server.stop();
    if (options.keepLogs) process.stderr.write(`bench: server logs kept in ${workDir}\n`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  machine.loadAverage.end = loadNow();
  return {
    schema: 2,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine,
    params,
    targets: [...results.values()],
  };
}

/**
 * Null when the target's own processes still hold the ports the load goes to;
 * otherwise the reason its figures are not its own (streams sent there reach
 * whatever listens now).
 */
async function foreignListener(target: LaunchedTarget): Promise<string | null> {
  for (const server of [target.server, target.replica]) {
    if (server === null || !server.alive) continue;
    if (!(await server.holds(server.port))) return `n/a (${server.name} no longer listens on port ${server.port}: another process answers there)`;
  }
  return null;
}

/** One short exact stream, a few tries (a server may need a moment after it listens); null when it streams. */
async function preflight(loadgen: LoadgenProcess, target: LaunchedTarget): Promise<string | null> {
  let error: string | null = null;
  for (let attempt = 0; attempt < PREFLIGHT_ATTEMPTS; attempt++) {
    const outcome = await loadgen.call({ type: 'preflight', target: target.name });
    if (outcome.ok) return null;
    error = outcome.error;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  // An HTTP/1.1 server answers an h2c preface with a protocol error: say what that means.
  const hint = target.endpoint?.transport === 'sse-h2c' && /ERR_HTTP2|Protocol error/.test(error ?? '') ? 'the gateway does not serve h2c on this port: ' : '';
  return `n/a (not available: ${hint}${error})`;
}

/**
 * Idle memory is measured on the gateways, except where streams are
 * resumable: those outlive their clients by design (for the linger time), so
 * thousands of them would run on into the phases that follow.
 */
function idleMeasurable(target: LaunchedTarget): boolean {
  return target.server !== null && target.endpoint!.cancelBy !== 'delete' && !runsFirstTokenOnly(target.name);
}

function countSteps(params: Session['params'], available: LaunchedTarget[], phases: ReadonlySet<Phase>): number {
  const gateways = available.filter(idleMeasurable);
  const sockets = gateways.filter((t) => t.endpoint!.transport.startsWith('ws')).length;
  const memory = gateways.length * params.idleStreams.length + sockets * params.idleSockets.length;
  const capacity = capacitySteps(params);
  const loaded = available.filter((t) => runsLoadPhases(t.name));
  const steps: Record<Phase, number> = {
    memory,
    ttft: 1,
    cancel: available.filter((t) => !runsFirstTokenOnly(t.name)).length,
    resume: loaded.filter(resumable).length,
    reconnect: loaded.filter(reconnectable).length,
    load: loaded.length * loadRoundSteps(params),
    capacity: loaded.length * capacity,
  };
  return [...phases].reduce((total, phase) => total + steps[phase], 0);
}

function emptyResult(name: TargetName): TargetResult {
  return {
    name,
    label: TARGET_LABELS[name],
    transport: null,
    available: false,
    note: null,
    ttft: null,
    itl: null,
    cancel: null,
    capacity: null,
    throughput: null,
    cpu50: null,
    memory: null,
    resume: null,
    reconnect: null,
    redisCommandsPerToken: null,
    exactness: emptyTally(),
  };
}
