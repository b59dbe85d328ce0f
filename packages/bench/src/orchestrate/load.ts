/**
 * The load phases, one target at a time: CPU at 50 paced streams, throughput
 * at saturation, and capacity (the largest step of paced streams served with
 * zero lost or duplicated chunks and no gap over the limit).
 */
import { mergeTallies } from '../loadgen/tally.ts';
import type { CapacityStep } from '../report/results.ts';
import type { LaunchedTarget } from '../targets/launch.ts';
import { perToken, redisCommandsSent } from './redis-commands.ts';
import { withCpuWindow, type Session } from './session.ts';

export async function measureCpu50(session: Session, target: LaunchedTarget): Promise<void> {
  session.progress.step(`cpu at ${session.params.cpu50.streams} streams  ${target.name}`);
  const commandsBefore = await redisCommandsSent(target);
  const { value, cpu } = await withCpuWindow(session, target, () =>
    session.loadgen.call({ type: 'concurrent', phase: 'cpu50', target: target.name, params: session.params.cpu50, cpuWindow: 'steady' }),
  );
  const result = session.results.get(target.name)!;
  mergeTallies(result.exactness, value.tally);
  result.cpu50 = { ...value, cpuPercent: cpu ? round1((cpu.cpuMs / cpu.windowMs) * 100) : null, windowMs: Math.round(cpu?.windowMs ?? 0) };
  if (commandsBefore !== null) (result.redisCommandsPerToken ??= { paced: null, saturated: null }).paced = perToken(commandsBefore, await redisCommandsSent(target), value.chunks);
}

export async function measureThroughput(session: Session, target: LaunchedTarget): Promise<void> {
  session.progress.step(`throughput  ${target.name}`);
  const commandsBefore = await redisCommandsSent(target);
  const { value, cpu } = await withCpuWindow(session, target, () =>
    session.loadgen.call({ type: 'concurrent', phase: 'throughput', target: target.name, params: session.params.throughput, cpuWindow: 'whole' }),
  );
  const result = session.results.get(target.name)!;
  mergeTallies(result.exactness, value.tally);
  result.throughput = {
    ...value,
    chunksPerSec: Math.round((value.chunks * 1000) / value.wallMs),
    cpuMs: cpu ? Math.round(cpu.cpuMs) : null,
    cpuMsPer1000Chunks: cpu && value.chunks > 0 ? round1((cpu.cpuMs * 1000) / value.chunks) : null,
  };
  if (commandsBefore !== null) (result.redisCommandsPerToken ??= { paced: null, saturated: null }).saturated = perToken(commandsBefore, await redisCommandsSent(target), value.chunks);
}

export async function measureCapacity(session: Session, target: LaunchedTarget): Promise<void> {
  const plan = session.params.capacity;
  const steps: CapacityStep[] = [];
  let capacity: number | null = null;
  const result = session.results.get(target.name)!;
  for (const [index, streams] of plan.steps.entries()) {
    session.progress.step(`capacity ${streams} paced streams  ${target.name}`);
    if (target.server !== null && !target.server.alive) break;
    const params = { streams, chunks: plan.chunks, itlMs: plan.itlMs, rampMs: plan.rampMs };
    const { value, cpu } = await withCpuWindow(session, target, () =>
      session.loadgen.call({ type: 'concurrent', phase: `capacity${streams}`, target: target.name, params, cpuWindow: 'whole' }),
    );
    mergeTallies(result.exactness, value.tally);
    const t = value.tally;
    const passed = t.exact === t.streams && t.lost === 0 && t.duplicated === 0 && t.failed === 0 && value.maxGapMs <= plan.maxGapMs;
    steps.push({ ...value, streams, passed, cpuPercent: cpu ? round1((cpu.cpuMs / cpu.windowMs) * 100) : null });
    if (!passed) {
      session.progress.skip(plan.steps.length - index - 1);
      break;
    }
    capacity = streams;
  }
  result.capacity = { steps, capacity };
  await session.loadgen.call({ type: 'reset', target: target.name });
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
