/** Recent samples kept for percentiles: enough for a p99 to mean something, few enough to sort on demand. */
const SAMPLES = 256;

/**
 * A deployment's time to first token as this replica measured it: an
 * exponentially weighted moving average (what the `latency` strategy
 * compares) and the most recent samples (what `hedge.afterPercentile`
 * reads).
 */
export class LatencyEstimate {
  readonly #alpha: number;
  #ewma: number | null = null;
  readonly #samples = new Float64Array(SAMPLES);
  #count = 0;
  #sorted: Float64Array | null = null;
  #lastAt = 0;

  constructor(alpha: number) {
    this.#alpha = alpha;
  }

  /** The moving average in milliseconds, or null before the first sample. */
  get ewma(): number | null {
    return this.#ewma;
  }

  /**
   * The moving average, or null when it is older than `staleMs`: a
   * deployment the latency strategy stopped choosing (it was slow once) is
   * measured again instead of being judged on an old figure forever.
   */
  current(now: number, staleMs: number): number | null {
    return now - this.#lastAt > staleMs ? null : this.#ewma;
  }

  get samples(): number {
    return Math.min(this.#count, SAMPLES);
  }

  observe(ms: number): void {
    this.#ewma = this.#ewma === null ? ms : this.#ewma + this.#alpha * (ms - this.#ewma);
    this.#samples[this.#count % SAMPLES] = ms;
    this.#count++;
    this.#sorted = null;
    this.#lastAt = Date.now();
  }

  /** The `p`th percentile (0–100) of the recent samples, or null without any. */
  percentile(p: number): number | null {
    const n = this.samples;
    if (n === 0) return null;
    this.#sorted ??= this.#samples.slice(0, n).sort();
    return this.#sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  }
}
