/**
 * CPU per chunk with the batching set apart. At saturation a gateway reads
 * and writes as many chunks per system call as have piled up, which the
 * machine decides from round to round: over the rounds of one run, a
 * target's CPU per 1,000 chunks is a straight line in its read and write
 * calls per 1,000 chunks (r² 0.93–0.97 for the bare proxy on a loaded
 * machine, 2026-12-01), and the floor and a gateway measured in the same
 * round seldom batched alike, which is what spread their per-round ratios.
 *
 * So the line is fitted by least squares over every load round of the
 * target (saturation and the fixed rate, which give it calls per chunk far
 * apart): its intercept is the CPU a chunk costs whatever the batching, its
 * slope the CPU of one read or write call with what runs around it (parsing
 * that read, framing that write, the turn it wakes).
 */
import type { TargetResult, ThroughputRound } from './results.ts';

export interface CpuFit {
  /** CPU ms per 1,000 chunks at no system call: the intercept. */
  perChunkMs: number;
  /** CPU µs per read or write call: the slope. */
  perCallUs: number;
  /** How much of the rounds' variation the line explains. */
  r2: number;
  rounds: number;
}

/** Fewer rounds than this, or calls per chunk that hardly vary, fit no line worth reading. */
const MIN_ROUNDS = 4;

export function cpuFit(target: TargetResult | null): CpuFit | null {
  if (!target) return null;
  const points: [number, number][] = [];
  const add = (rounds: ThroughputRound[] | undefined) => {
    for (const r of rounds ?? []) if (r.syscallsPer1000Chunks && r.cpuMsPer1000Chunks !== null) points.push([r.syscallsPer1000Chunks.reads + r.syscallsPer1000Chunks.writes, r.cpuMsPer1000Chunks]);
  };
  add(target.throughput?.rounds);
  add(target.paced?.rounds);
  if (points.length < MIN_ROUNDS) return null;
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residual = points.reduce((sum, [x, y]) => sum + (y - intercept - slope * x) ** 2, 0);
  // ms per 1,000 chunks per call per 1,000 chunks = ms per call; in µs.
  return { perChunkMs: intercept, perCallUs: slope * 1000, r2: syy === 0 ? 1 : 1 - residual / syy, rounds: n };
}
