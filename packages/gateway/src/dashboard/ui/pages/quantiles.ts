/**
 * A quantile from a histogram (`counts[i]` at or under `bounds[i]`, the last
 * above them all), interpolated inside its bucket, as Prometheus's
 * histogram_quantile does. Null for an empty histogram.
 */
export function histogramQuantile(q: number, bounds: readonly number[], counts: readonly number[]): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= rank && counts[i] > 0) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      // Above the last bound there is no upper edge: report the last bound.
      if (i >= bounds.length) return bounds[bounds.length - 1];
      return lower + (bounds[i] - lower) * ((rank - seen) / counts[i]);
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1];
}
