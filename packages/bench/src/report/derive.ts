/** Figures derived from the raw ones: what a target adds over a baseline, and the memory and CPU rows. */
import { spread, type Distribution, type Spread } from './stats.ts';
import type { CapacityRound, MemoryPoint, TargetResult } from './results.ts';

export interface Added {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Percentile by percentile: the target's figure minus the baseline's. */
export function addedOver(target: Distribution | null, base: Distribution | null): Added | null {
  if (!target || !base || target.n === 0 || base.n === 0) return null;
  return { p50: target.p50 - base.p50, p90: target.p90 - base.p90, p99: target.p99 - base.p99, max: target.max - base.max };
}

export function memoryAt(points: MemoryPoint[] | undefined, index: number): MemoryPoint | null {
  return points?.[index] ?? null;
}

export function byName(targets: TargetResult[], name: string): TargetResult | null {
  return targets.find((t) => t.name === name && t.available) ?? null;
}

/**
 * Round by round, the target's figure divided by the baseline's figure of
 * the same round (measured seconds apart), then the median and spread of
 * those ratios. Rounds where either side has no figure are left out.
 */
export function ratioOver(target: readonly (number | null)[] | undefined, base: readonly (number | null)[] | undefined): Spread | null {
  if (!target || !base) return null;
  const ratios: number[] = [];
  for (let round = 0; round < Math.min(target.length, base.length); round++) {
    const a = target[round];
    const b = base[round];
    if (a !== null && b !== null && b > 0) ratios.push(a / b);
  }
  return spread(ratios);
}

/** A target's per-round figures for one load metric, in round order. */
export type RoundFigure = 'cpuMsPer1000Chunks' | 'pacedCpuMsPer1000Chunks' | 'chunksPerSec' | 'cpuPercent' | 'capacity';

export function roundFigures(target: TargetResult | null, figure: RoundFigure): (number | null)[] | undefined {
  if (!target) return undefined;
  if (figure === 'cpuMsPer1000Chunks') return target.throughput?.rounds.map((r) => r.cpuMsPer1000Chunks);
  if (figure === 'pacedCpuMsPer1000Chunks') return target.paced?.rounds.map((r) => r.cpuMsPer1000Chunks);
  if (figure === 'chunksPerSec') return target.throughput?.rounds.map((r) => r.chunksPerSec);
  if (figure === 'cpuPercent') return target.cpu50?.rounds.map((r) => r.cpuPercent);
  return target.capacity?.rounds.map((r) => r.capacity ?? 0);
}

/**
 * A round's capacity as a bracket: the largest count that passed and the
 * smallest that failed; `below` when even the smallest count probed failed
 * (the capacity lies under it), `open` when nothing failed (it lies at or
 * above the largest count probed, the search's ceiling).
 */
export function capacityBound(round: CapacityRound): { capacity: number | null; failedAt: number | null; open: boolean; below: number | null } {
  const probed = round.steps.map((s) => s.streams);
  const failed = round.steps.filter((s) => !s.passed).map((s) => s.streams);
  const failedAt = failed.length > 0 ? Math.min(...failed) : null;
  return { capacity: round.capacity, failedAt, open: round.capacity !== null && failedAt === null, below: round.capacity === null && probed.length > 0 ? Math.min(...probed) : null };
}

/** The capacity figure of a target (median over its rounds) with its bound: open when any round found no ceiling. */
export function capacitySummary(target: TargetResult): { capacity: number | null; open: boolean; below: number | null } | null {
  const rounds = target.capacity?.rounds ?? [];
  if (!target.capacity || rounds.every((r) => r.steps.length === 0)) return null;
  const bounds = rounds.map(capacityBound);
  const below = bounds.flatMap((b) => (b.below === null ? [] : [b.below]));
  return { capacity: target.capacity.capacity, open: bounds.some((b) => b.open), below: below.length > 0 ? Math.min(...below) : null };
}
