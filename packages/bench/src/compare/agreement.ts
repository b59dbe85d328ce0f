/**
 * Whether two runs agree: for every target and every load figure measured
 * as a ratio to the floor, the two runs' medians and how far apart they are
 * (their difference over their mean), against the 15 % that issue 17 asks
 * of two full runs back to back.
 */
import { byName, ratioOver, roundFigures, type RoundFigure } from '../report/derive.ts';
import { cpuFit } from '../report/cpu-fit.ts';
import type { BenchResults } from '../report/results.ts';
import type { Spread } from '../report/stats.ts';

export const AGREEMENT_LIMIT = 0.15;

export const COMPARED_FIGURES: { figure: RoundFigure; label: string }[] = [
  { figure: 'cpuMsPer1000Chunks', label: 'CPU per 1,000 chunks at saturation × floor' },
  { figure: 'pacedCpuMsPer1000Chunks', label: 'CPU per 1,000 chunks at the fixed rate × floor' },
  { figure: 'cpuPercent', label: 'CPU at 50 streams × floor' },
  { figure: 'chunksPerSec', label: 'Throughput × floor' },
  { figure: 'capacity', label: 'Capacity × floor' },
];

export interface Agreement {
  label: string;
  target: string;
  first: Spread;
  second: Spread;
  /** |first − second| over their mean. */
  apart: number;
}

export function agreement(first: BenchResults, second: BenchResults): Agreement[] {
  const rows: Agreement[] = [];
  for (const { figure, label } of COMPARED_FIGURES) {
    for (const target of first.targets) {
      if (target.name === 'bare-proxy' || target.name === 'direct') continue;
      const other = byName(second.targets, target.name);
      const a = ratioOver(roundFigures(byName(first.targets, target.name), figure), roundFigures(byName(first.targets, 'bare-proxy'), figure));
      const b = ratioOver(roundFigures(other, figure), roundFigures(byName(second.targets, 'bare-proxy'), figure));
      if (!a || !b) continue;
      const mean = (a.median + b.median) / 2;
      rows.push({ label, target: target.label, first: a, second: b, apart: apart(a.median, b.median) });
    }
  }
  // The per-chunk intercept of the fit is one figure per run, not per round: no spread to show.
  for (const target of first.targets) {
    if (target.name === 'bare-proxy' || target.name === 'direct') continue;
    const a = fitRatio(first, target.name);
    const b = fitRatio(second, target.name);
    if (a === null || b === null) continue;
    rows.push({ label: 'CPU per 1,000 chunks, batching set apart × floor', target: target.label, first: single(a), second: single(b), apart: apart(a, b) });
  }
  return rows;
}

function apart(a: number, b: number): number {
  const mean = (a + b) / 2;
  return mean === 0 ? 0 : Math.abs(a - b) / mean;
}

function single(value: number): Spread {
  return { rounds: 1, median: value, min: value, max: value };
}

/** Below this r², a run's rounds did not lie on a line (a machine too loaded to keep the fixed rate): no figure to compare. */
const MIN_R2 = 0.8;

function fitRatio(results: BenchResults, name: string): number | null {
  const own = cpuFit(byName(results.targets, name));
  const floor = cpuFit(byName(results.targets, 'bare-proxy'));
  if (!own || !floor || own.r2 < MIN_R2 || floor.r2 < MIN_R2 || floor.perChunkMs <= 0) return null;
  return own.perChunkMs / floor.perChunkMs;
}
