/**
 * The load phases: CPU at 50 paced streams, CPU at a fixed rate and
 * throughput at saturation (capacity, in rounds the same way, is in
 * `capacity.ts`).
 *
 * Each runs in rounds, every target once per round, the starting target
 * rotating from round to round, the way the first-token phase interleaves
 * its requests: on a shared machine a figure measured one target after
 * another mostly measures what else ran meanwhile, while a round of every
 * target is over in seconds, so a target and the floor measured in the same
 * round saw the same machine. The report gives each figure as the median of
 * its per-round ratios to the floor, with their spread.
 */
import type { ConcurrentResult } from '../loadgen/phases/concurrent.ts';
import { mergeTallies } from '../loadgen/tally.ts';
import type { Cpu50Round, RunParams, TargetResult, ThroughputRound } from '../report/results.ts';
import { median } from '../report/stats.ts';
import type { LaunchedTarget } from '../targets/launch.ts';
import { perToken, redisCommandsSent } from './redis-commands.ts';
import { withCpuWindow, type CpuSpan, type Session } from './session.ts';

/** Rotate the targets by `round`, so each leads one round in turn. */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const start = targets.length === 0 ? 0 : round % targets.length;
  return [...targets.slice(start), ...targets.slice(0, start)];
}

/** The progress steps of the load phase, per target. */
export function loadRoundSteps(params: RunParams): number {
  return params.rounds.warmup + params.rounds.throughput + params.rounds.paced + params.rounds.cpu50;
}

/**
 * The 50-stream CPU window and the throughput burst, interleaved in rounds,
 * after a warm-up round of every target that is thrown away: the first burst
 * of 64 concurrent streams a process sees compiles its concurrent path, grows
 * its young generation and opens its connections, and cost the sluice targets
 * up to half again what their later rounds did (the 2026-12-01 runs), while
 * the bare proxy, with less code to warm, hardly moved.
 */
export async function measureLoadRounds(session: Session): Promise<void> {
  const redis = new Map<string, RedisCount>();
  const { throughput, paced, cpu50, warmup } = session.params.rounds;
  for (let round = 0; round < warmup; round++) {
    for (const target of roundOrder(session.targets, round)) {
      if (target.server !== null && !target.server.alive) continue;
      session.progress.step(`load warm-up, round ${round + 1}  ${target.name}`);
      const value = await session.loadgen.call({ type: 'concurrent', phase: 'warmup', target: target.name, params: session.params.throughput, cpuWindow: 'whole' });
      mergeTallies(session.results.get(target.name)!.exactness, value.tally);
    }
  }
  for (let round = 0; round < Math.max(throughput, paced, cpu50); round++) {
    for (const target of roundOrder(session.targets, round)) {
      if (target.server !== null && !target.server.alive) continue;
      const count = redis.get(target.name) ?? { paced: emptyCount(), saturated: emptyCount() };
      redis.set(target.name, count);
      if (round < cpu50) await cpu50Round(session, target, round, count.paced);
      if (round < paced) await pacedRound(session, target, round);
      if (round < throughput) await throughputRound(session, target, round, count.saturated);
    }
  }
  for (const target of session.targets) {
    const result = session.results.get(target.name)!;
    summarise(result);
    const count = redis.get(target.name);
    if (count && count.paced.known) result.redisCommandsPerToken = { paced: perToken(0, count.paced.commands, count.paced.tokens), saturated: perToken(0, count.saturated.commands, count.saturated.tokens) };
  }
}

interface CommandCount {
  known: boolean;
  commands: number;
  tokens: number;
}
interface RedisCount {
  paced: CommandCount;
  saturated: CommandCount;
}

function emptyCount(): CommandCount {
  return { known: false, commands: 0, tokens: 0 };
}

/** Runs `work` and adds the Redis commands the target's stores sent meanwhile (none for targets without a Redis store). */
async function countingRedis<T extends { chunks: number }>(target: LaunchedTarget, count: CommandCount, work: () => Promise<T>): Promise<T> {
  const before = await redisCommandsSent(target);
  const value = await work();
  if (before === null) return value;
  const after = await redisCommandsSent(target);
  if (after === null) return value;
  count.known = true;
  count.commands += after - before;
  count.tokens += value.chunks;
  return value;
}

async function cpu50Round(session: Session, target: LaunchedTarget, round: number, redis: CommandCount): Promise<void> {
  session.progress.step(`cpu at ${session.params.cpu50.streams} streams, round ${round + 1}  ${target.name}`);
  const { value, cpu } = await countingRedis(target, redis, async () => {
    const run = await withCpuWindow(session, target, () =>
      session.loadgen.call({ type: 'concurrent', phase: 'cpu50', target: target.name, params: session.params.cpu50, cpuWindow: 'steady' }),
    );
    return { ...run, chunks: run.value.chunks };
  });
  const result = session.results.get(target.name)!;
  mergeTallies(result.exactness, value.tally);
  const entry: Cpu50Round = { ...value, cpuPercent: cpu ? round1((cpu.cpuMs / cpu.windowMs) * 100) : null, windowMs: Math.round(cpu?.windowMs ?? 0) };
  (result.cpu50 ??= { rounds: [], cpuPercent: null }).rounds.push(entry);
}

async function throughputRound(session: Session, target: LaunchedTarget, round: number, redis: CommandCount): Promise<void> {
  session.progress.step(`throughput, round ${round + 1}  ${target.name}`);
  const { value, cpu } = await countingRedis(target, redis, async () => {
    const run = await withCpuWindow(session, target, () =>
      session.loadgen.call({ type: 'concurrent', phase: 'throughput', target: target.name, params: session.params.throughput, cpuWindow: 'whole' }),
      true,
    );
    return { ...run, chunks: run.value.chunks };
  });
  const result = session.results.get(target.name)!;
  mergeTallies(result.exactness, value.tally);
  const entry: ThroughputRound = { ...value, ...perChunk(value, cpu) };
  (result.throughput ??= { rounds: [], chunksPerSec: 0, cpuMsPer1000Chunks: null }).rounds.push(entry);
}

/**
 * CPU per chunk at a fixed offered rate below saturation: every stream gets a
 * chunk every few ms, so a gateway that keeps up reads and writes each chunk
 * on its own, and the figure does not depend on how many chunks a round of
 * saturation happened to pile up per read and per write (which moved CPU per
 * chunk at saturation by half from round to round on this machine).
 */
async function pacedRound(session: Session, target: LaunchedTarget, round: number): Promise<void> {
  session.progress.step(`cpu at a fixed rate, round ${round + 1}  ${target.name}`);
  const { value, cpu } = await withCpuWindow(
    session,
    target,
    () => session.loadgen.call({ type: 'concurrent', phase: 'paced', target: target.name, params: session.params.paced, cpuWindow: 'whole' }),
    true,
  );
  const result = session.results.get(target.name)!;
  mergeTallies(result.exactness, value.tally);
  const entry: ThroughputRound = { ...value, ...perChunk(value, cpu) };
  (result.paced ??= { rounds: [], chunksPerSec: 0, cpuMsPer1000Chunks: null }).rounds.push(entry);
}

function perChunk(value: ConcurrentResult, cpu: CpuSpan | null): Omit<ThroughputRound, keyof ConcurrentResult> {
  const per1000 = (n: number): number => (n * 1000) / value.chunks;
  return {
    chunksPerSec: Math.round((value.chunks * 1000) / value.wallMs),
    cpuMs: cpu ? Math.round(cpu.cpuMs) : null,
    cpuMsPer1000Chunks: cpu && value.chunks > 0 ? round2(per1000(cpu.cpuMs)) : null,
    syscallsPer1000Chunks: cpu?.syscalls && value.chunks > 0 ? { reads: Math.round(per1000(cpu.syscalls.reads)), writes: Math.round(per1000(cpu.syscalls.writes)) } : null,
  };
}

function summarise(result: TargetResult): void {
  if (result.cpu50) result.cpu50.cpuPercent = medianOf(result.cpu50.rounds.map((r) => r.cpuPercent));
  for (const figure of [result.throughput, result.paced]) {
    if (!figure) continue;
    figure.chunksPerSec = medianOf(figure.rounds.map((r) => r.chunksPerSec)) ?? 0;
    figure.cpuMsPer1000Chunks = medianOf(figure.rounds.map((r) => r.cpuMsPer1000Chunks));
  }
}

function medianOf(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : median(known);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
