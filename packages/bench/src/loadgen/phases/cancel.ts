/**
 * Cancel latency: the client gives up on a stream mid-way (aborts the request,
 * or sends `cancel` over sluice.v1) and the clock runs until the upstream
 * reports that its side of the stream closed. One stream at a time.
 */
import type { StreamClient } from '../clients/index.ts';
import { nextId } from '../ids.ts';
import { StreamRecorder } from '../recorder.ts';
import type { UpstreamWatch } from '../upstream-watch.ts';
import { round3 } from './ttft.ts';

export interface CancelParams {
  samples: number;
  /** Chunks the client reads before it cancels. */
  afterChunks: number;
  /** Give up on one sample after this long: the upstream was never told. */
  timeoutMs: number;
}

export interface CancelSamples {
  latencyMs: number[];
  /** Cancels the upstream never saw within `timeoutMs`. */
  timeouts: number;
  /** Set when the phase stopped early because the first cancels all timed out. */
  note: string | null;
}

const CHUNK_MS = 5;

/** Stop after this many straight timeouts: waiting them all out would only burn the run's time. */
const GIVE_UP_AFTER = 3;

export async function runCancel(target: string, client: StreamClient, upstream: UpstreamWatch, params: CancelParams): Promise<CancelSamples> {
  const result: CancelSamples = { latencyMs: [], timeouts: 0, note: null };
  for (let i = 0; i < params.samples; i++) {
    // Finite on purpose: a target that never tells the upstream must not leave
    // streams running into the phases that follow.
    const recorder = new StreamRecorder({ id: nextId('cancel', target), chunks: params.afterChunks + params.timeoutMs / CHUNK_MS, ttftMs: 0, itlMs: CHUNK_MS });
    const aborter = new AbortController();
    let cancelledAt = 0;
    recorder.onChunk = (r) => {
      if (r.chunks !== params.afterChunks) return;
      cancelledAt = performance.now();
      aborter.abort();
    };
    await client.run(recorder, aborter.signal);
    if (cancelledAt === 0) {
      result.note = `stream ended before ${params.afterChunks} chunks: ${recorder.error ?? 'no error'}`;
      break;
    }
    const seenAt = await upstream.abortSeen(recorder.spec.id, params.timeoutMs);
    if (seenAt === null) {
      result.timeouts++;
      if (result.timeouts === GIVE_UP_AFTER && result.latencyMs.length === 0) {
        result.note = `the upstream did not see any of the first ${GIVE_UP_AFTER} cancels within ${params.timeoutMs} ms`;
        break;
      }
    } else result.latencyMs.push(round3(seenAt - cancelledAt));
  }
  return result;
}
