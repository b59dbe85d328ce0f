/**
 * Capacity: the largest number of concurrent paced streams a target serves
 * with every stream exact and no gap between two chunks over the limit, in
 * rounds interleaved like the other load phases (every target once per
 * round, the first target rotating), so a target and the floor measured in
 * the same round saw the same machine and the report can give the median of
 * the per-round ratios to the floor.
 *
 * Each round searches (`searchCapacity`) until the smallest count that
 * failed is within the plan's resolution (10 %) of the largest that passed.
 * The first round starts at the plan's start and steps by √2 (squared at
 * each further step); later rounds start at the target's capacity of the
 * round before and step by the resolution itself, so a capacity that held
 * costs two probes (it passes, 10 % more fails) rather than the ladder's
 * three, the last of which overloaded the machine twice over. A probe stops
 * at its first gap over the limit: a failing probe ends in a second or two
 * instead of running its overloaded streams on for five to ten, which pays
 * for the bisection's extra probes.
 */
import { mergeTallies } from '../loadgen/tally.ts';
import type { CapacityRound, CapacityStep, RunParams, TargetResult } from '../report/results.ts';
import { median } from '../report/stats.ts';
import type { LaunchedTarget } from '../targets/launch.ts';
import { searchCapacity, type CapacitySearchPlan } from './capacity-search.ts';
import { roundOrder } from './load.ts';
import { withCpuWindow, type Session } from './session.ts';

/** Progress steps the capacity phase plans per target: a first search of about five probes, then about two a round (one where min = max). */
export function capacitySteps(params: RunParams): number {
  const rounds = params.rounds.capacity;
  if (rounds === 0 || params.capacity.min === params.capacity.max) return rounds;
  return 5 + 2 * (rounds - 1);
}

export async function measureCapacityRounds(session: Session): Promise<void> {
  const previous = new Map<string, number | null>();
  for (let round = 0; round < session.params.rounds.capacity; round++) {
    for (const target of roundOrder(session.targets, round)) {
      if (!alive(target)) continue;
      const outcome = await capacityRound(session, target, round, searchPlan(session, round, previous.get(target.name)));
      previous.set(target.name, outcome.capacity);
      const result = session.results.get(target.name)!;
      const entry = (result.capacity ??= { rounds: [], steps: outcome.steps, capacity: null });
      entry.rounds.push(outcome);
    }
  }
  for (const target of session.targets) {
    const capacity = session.results.get(target.name)!.capacity;
    if (capacity) capacity.capacity = medianOf(capacity.rounds.map((r) => r.capacity ?? 0)) || null;
  }
}

/** The first round starts at the plan's start; later rounds near the target's own last capacity (at the bottom when it had none). */
function searchPlan(session: Session, round: number, last: number | null | undefined): CapacitySearchPlan {
  const plan = session.params.capacity;
  const bounds = { min: plan.min, max: plan.max, resolution: plan.resolution };
  if (round === 0 || last === undefined) return { ...bounds, start: plan.start, factor: plan.factor };
  return { ...bounds, start: last ?? plan.min, factor: plan.resolution };
}

async function capacityRound(session: Session, target: LaunchedTarget, round: number, search: CapacitySearchPlan): Promise<CapacityRound> {
  const plan = session.params.capacity;
  const result = session.results.get(target.name)!;
  const steps: CapacityStep[] = [];
  const probe = async (streams: number): Promise<boolean | null> => {
    if (!alive(target)) return null;
    session.progress.step(`capacity ${streams} paced streams, round ${round + 1}  ${target.name}`);
    // A probe stops at its first gap over the limit: it has failed then, and the rest would only load the machine for seconds.
    const params = { streams, chunks: plan.chunks, itlMs: plan.itlMs, rampMs: plan.rampMs, stopAtGapMs: plan.maxGapMs };
    const { value, cpu } = await withCpuWindow(session, target, () =>
      session.loadgen.call({ type: 'concurrent', phase: `capacity${streams}`, target: target.name, params, cpuWindow: 'whole' }),
    );
    mergeTallies(result.exactness, value.tally);
    const passed = sustained(value, plan.maxGapMs);
    steps.push({ ...value, streams, passed, cpuPercent: cpu ? round1((cpu.cpuMs / cpu.windowMs) * 100) : null });
    // The streams a stop cut leave their connections aborted mid-response on every side: start the next probe from fresh pools.
    if (value.cut !== undefined) await reset(session, target);
    return passed;
  };
  const outcome = await searchCapacity(search, probe);
  // Thousands of connections stay in the pools after a search: close them before the next target runs.
  if (steps.length === 0 || steps[steps.length - 1].cut === undefined) await reset(session, target);
  return { steps, capacity: outcome.capacity };
}

function reset(session: Session, target: LaunchedTarget): Promise<void> {
  return session.loadgen.call({ type: 'reset', target: target.name });
}

/** What "sustains" means: every stream exact (nothing lost, duplicated or failed) and no gap between two chunks over the limit. */
export function sustained(value: { tally: TargetResult['exactness']; maxGapMs: number }, maxGapMs: number): boolean {
  const t = value.tally;
  return t.exact === t.streams && t.lost === 0 && t.duplicated === 0 && t.failed === 0 && value.maxGapMs <= maxGapMs;
}

function alive(target: LaunchedTarget): boolean {
  return target.server === null || target.server.alive;
}

function medianOf(values: number[]): number | null {
  return values.length === 0 ? null : median(values);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
