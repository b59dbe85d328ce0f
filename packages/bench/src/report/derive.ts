/** Figures derived from the raw ones: what a target adds over a baseline, and the memory and CPU rows. */
import type { Distribution } from './stats.ts';
import type { MemoryPoint, TargetResult } from './results.ts';

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
