/**
 * The run's parameters: the full run (the figures, under ten
 * minutes on two cores) and the quick smoke run (under a minute; its
 * timings mean nothing, only its exactness counts).
 */
import type { RunParams } from './report/results.ts';

/** Each open stream through a gateway costs it two descriptors (client side and upstream side). */
function largestIdleCount(openFileLimit: number): number {
  return Math.min(10_000, Math.floor((openFileLimit - 400) / 2 / 50) * 50);
}

export function fullPlan(openFileLimit: number): RunParams {
  const large = largestIdleCount(openFileLimit);
  return {
    mode: 'full',
    ttft: { rounds: 1000, warmupRounds: 50, chunks: 4, itlMs: 2 },
    cancel: { samples: 200, afterChunks: 3, timeoutMs: 2000 },
    resume: { samples: 100, chunks: 12, cutAfter: 4, itlMs: 5, awayMs: 25 },
    reconnect: { samples: 20, chunks: 40, itlMs: 10, cutAfter: 10 },
    cpu50: { streams: 50, chunks: 64, itlMs: 20, rampMs: 1280, sustainMs: 1500 },
    paced: { streams: 64, chunks: 250, itlMs: 4, rampMs: 4 },
    throughput: { streams: 64, chunks: 1000, itlMs: 0, rampMs: 0 },
    capacity: { start: 1000, factor: Math.SQRT2, resolution: 1.1, min: 100, max: 8000, chunks: 64, itlMs: 20, rampMs: 1000, maxGapMs: 200 },
    rounds: { warmup: 1, throughput: 9, paced: 5, cpu50: 3, capacity: 3 },
    idleStreams: [1000, large],
    idleSockets: [1000, large],
    memorySettleMs: 1000,
  };
}

export function quickPlan(): RunParams {
  return {
    mode: 'quick',
    ttft: { rounds: 40, warmupRounds: 10, chunks: 4, itlMs: 2 },
    cancel: { samples: 8, afterChunks: 3, timeoutMs: 500 },
    resume: { samples: 4, chunks: 12, cutAfter: 4, itlMs: 5, awayMs: 25 },
    reconnect: { samples: 2, chunks: 20, itlMs: 10, cutAfter: 5 },
    cpu50: { streams: 50, chunks: 16, itlMs: 20, rampMs: 200, sustainMs: 300 },
    paced: { streams: 16, chunks: 50, itlMs: 4, rampMs: 4 },
    throughput: { streams: 16, chunks: 200, itlMs: 0, rampMs: 0 },
    // One probe of 100 streams a round: the smoke run checks the search runs, not where it ends.
    capacity: { start: 100, factor: Math.SQRT2, resolution: 1.1, min: 100, max: 100, chunks: 16, itlMs: 20, rampMs: 200, maxGapMs: 200 },
    rounds: { warmup: 1, throughput: 2, paced: 2, cpu50: 2, capacity: 2 },
    idleStreams: [100],
    idleSockets: [100],
    memorySettleMs: 200,
  };
}
