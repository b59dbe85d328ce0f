export interface Summary {
  p50: number;
  p95: number;
}

/** Nearest-rank percentiles of a sample. */
export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return { p50: at(0.5), p95: at(0.95) };
}

/**
 * The first-token table of the request-path benches: each target's p50 and
 * p95, over the bare proxy, and over the target it is compared with (the
 * same gateway without the feature).
 */
export function ttftTable(samples: ReadonlyMap<string, number[]>, names: readonly string[], baseline: { column: string; of: (name: string) => string }): string[] {
  const floor = summarise(samples.get('bare proxy')!);
  return [
    `| target | TTFT p50 ms | TTFT p95 ms | over bare proxy p50 ms | ${baseline.column} |`,
    '|---|---|---|---|---|',
    ...names.map((name) => {
      const s = summarise(samples.get(name)!);
      const base = summarise(samples.get(baseline.of(name))!);
      return `| ${name} | ${s.p50.toFixed(3)} | ${s.p95.toFixed(3)} | ${(s.p50 - floor.p50).toFixed(3)} | ${(s.p50 - base.p50).toFixed(3)} |`;
    }),
  ];
}
