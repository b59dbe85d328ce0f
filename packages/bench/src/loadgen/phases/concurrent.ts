/**
 * Many streams at once against one target: the capacity steps, the
 * throughput burst and the 50-stream CPU window all run through here.
 *
 * Starts are spread evenly over `rampMs` so the streams' chunk timers are out
 * of phase, as real traffic is; with `rampMs: 0` they all start together.
 * With `sustainMs`, each slot starts a new stream when its stream ends, until
 * the time is up. With `stopAtGapMs`, the run stops at the first gap between
 * two chunks over it (a capacity probe has failed then, whatever follows).
 */
import { setMaxListeners } from 'node:events';
import type { StreamClient } from '../clients/index.ts';
import { nextId } from '../ids.ts';
import { StreamRecorder } from '../recorder.ts';
import { addOutcome, emptyTally, type StreamTally } from '../tally.ts';
import { round3 } from './ttft.ts';

const STALL_GRACE_MS = 30_000;

export interface ConcurrentParams {
  streams: number;
  chunks: number;
  itlMs: number;
  rampMs: number;
  /** Keep every slot busy for this long (ms) instead of one stream per slot. */
  sustainMs?: number;
  /**
   * Stop the run at the first gap between two chunks over this many ms:
   * streams still open are cut and streams not yet started never start.
   * The streams cut are counted in `cut`, not in the tally (their ending is
   * the stop's, not the target's).
   */
  stopAtGapMs?: number;
}

export interface ConcurrentResult {
  tally: StreamTally;
  /** Content chunks received, all streams together. */
  chunks: number;
  /** First request sent → last stream settled, ms. */
  wallMs: number;
  /** Largest inter-chunk gap of any stream, and the 99th percentile of the streams' largest gaps. */
  maxGapMs: number;
  p99MaxGapMs: number;
  /** With `sustainMs`: chunks per second in the window after the ramp, while every slot is busy. */
  steadyChunksPerSec: number;
  /** With `stopAtGapMs`, when the run stopped: the streams it cut or never started (left out of the tally). */
  cut?: number;
}

export async function runConcurrent(
  phase: string,
  target: string,
  client: StreamClient,
  params: ConcurrentParams,
  marks: { steadyStart?: () => void; steadyEnd?: () => void } = {},
): Promise<ConcurrentResult> {
  const tally = emptyTally();
  const maxGaps: number[] = [];
  let chunks = 0;
  const countChunk = (): void => {
    chunks++;
  };
  const startedAt = performance.now();
  const stopAt = params.sustainMs === undefined ? 0 : startedAt + params.rampMs + params.sustainMs;
  // A target that stalls must not hang the run: whatever is still open this
  // long after it should have ended is cut and counted as failed.
  const streamMs = params.chunks * params.itlMs;
  const deadline = new AbortController();
  setMaxListeners(0, deadline.signal);
  const deadlineTimer = setTimeout(() => deadline.abort('timed out'), params.rampMs + (params.sustainMs ?? 0) + streamMs * 2 + STALL_GRACE_MS);

  // The early stop: the streams open when it came are cut, and only those leave the tally.
  const open = new Set<StreamRecorder>();
  const cutShort = new Set<StreamRecorder>();
  let stopped = false;
  let cut = 0;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const recorder of open) if (!recorder.settled) cutShort.add(recorder);
    deadline.abort('stopped at the first gap over the limit');
  };
  const limit = params.stopAtGapMs;
  const onChunk = limit === undefined ? countChunk : (recorder: StreamRecorder): void => {
    chunks++;
    if (recorder.maxGapMs > limit) stop();
  };

  const runOne = async (): Promise<void> => {
    if (stopped) {
      cut++;
      return;
    }
    const recorder = new StreamRecorder({ id: nextId(phase, target), chunks: params.chunks, ttftMs: 0, itlMs: params.itlMs });
    recorder.onChunk = onChunk;
    open.add(recorder);
    await client.run(recorder, deadline.signal);
    open.delete(recorder);
    const outcome = recorder.outcome();
    maxGaps.push(outcome.maxGapMs);
    if (cutShort.has(recorder)) cut++;
    else addOutcome(tally, outcome);
  };
  const slot = async (index: number): Promise<void> => {
    const delay = params.streams > 1 ? (params.rampMs * index) / params.streams : 0;
    // A stop during the ramp ends the wait too: the run is over.
    if (delay >= 1) await sleep(delay, deadline.signal);
    do await runOne();
    while (!stopped && stopAt > 0 && performance.now() < stopAt);
  };

  // The steady window of a sustained run: from the ramp's end until the
  // slots stop starting streams, every slot is busy.
  let steadyChunksPerSec = 0;
  const steady = (async () => {
    if (params.sustainMs === undefined) return;
    await sleep(params.rampMs);
    marks.steadyStart?.();
    const from = chunks;
    const at = performance.now();
    await sleep(params.sustainMs);
    marks.steadyEnd?.();
    steadyChunksPerSec = ((chunks - from) * 1000) / (performance.now() - at);
  })();

  await Promise.all(Array.from({ length: params.streams }, (_, index) => slot(index)));
  const wallMs = performance.now() - startedAt;
  clearTimeout(deadlineTimer);
  await steady;
  maxGaps.sort((a, b) => a - b);
  return {
    tally,
    chunks,
    wallMs: round3(wallMs),
    maxGapMs: round3(maxGaps[maxGaps.length - 1] ?? 0),
    p99MaxGapMs: round3(maxGaps[Math.min(maxGaps.length - 1, Math.floor(maxGaps.length * 0.99))] ?? 0),
    steadyChunksPerSec: Math.round(steadyChunksPerSec),
    ...(stopped ? { cut } : {}),
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
