/**
 * Whether two runs agree: for every target and every load figure measured
 * as a ratio to the floor, the two runs' medians and how far apart they are
 * (their difference over their mean), against the 15 % that issue 17 asks
 * of two full runs back to back.
 */
import { byName, ratioOver, roundFigures, type RoundFigure } from '../report/derive.ts';
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
      rows.push({ label, target: target.label, first: a, second: b, apart: mean === 0 ? 0 : Math.abs(a.median - b.median) / mean });
    }
  }
  return rows;
}
