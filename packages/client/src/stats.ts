/**
 * Counters for `client.stats()`, and time to first token as a sliding sample
 * (the last 1 024 streams) so percentiles follow current conditions.
 */

export interface ClientStats {
  /** Requests holding a concurrency slot now. */
  active: number;
  /** Requests waiting for the scheduler. */
  queued: number;
  completed: number;
  failed: number;
  /** Reconnections that resumed a stream where it broke. */
  resumes: number;
  /** Prompt plus completion tokens of finished requests. */
  tokens: number;
  /** US dollars of finished requests, as reported by the server or estimated from the price table. */
  cost: number;
  /** Time to first token, milliseconds; null before any stream produced one. */
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
}

const SAMPLE_SIZE = 1024;

export class StatsRecorder {
  #completed = 0;
  #failed = 0;
  #resumes = 0;
  #tokens = 0;
  #cost = 0;
  readonly #ttft: number[] = [];
  #next = 0;

  recordTtft(ms: number): void {
    if (this.#ttft.length < SAMPLE_SIZE) this.#ttft.push(ms);
    else this.#ttft[this.#next] = ms;
    this.#next = (this.#next + 1) % SAMPLE_SIZE;
  }

  recordResume(): void {
    this.#resumes++;
  }

  recordCompleted(tokens: number, cost: number): void {
    this.#completed++;
    this.#tokens += tokens;
    this.#cost += cost;
  }

  recordFailed(): void {
    this.#failed++;
  }

  snapshot(active: number, queued: number): ClientStats {
    const sorted = [...this.#ttft].sort((a, b) => a - b);
    return {
      active,
      queued,
      completed: this.#completed,
      failed: this.#failed,
      resumes: this.#resumes,
      tokens: this.#tokens,
      cost: Math.round(this.#cost * 1e8) / 1e8,
      ttftP50Ms: percentile(sorted, 0.5),
      ttftP99Ms: percentile(sorted, 0.99),
    };
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
