/**
 * Resume latency: a resumable stream is cut by the client after a few
 * chunks, and resumed a little later from the last event id it holds; the
 * clock runs from the resume request to the first replayed chunk. The text
 * from both halves must add up to exactly the stream: no chunk lost or
 * repeated across the cut.
 */
import { Headers } from '@sluice/protocol';
import { chatBody } from '../clients/chat-body.ts';
import { single, type SseClient } from '../clients/sse-client.ts';
import { nextId } from '../ids.ts';
import { StreamRecorder, type StreamOutcome } from '../recorder.ts';
import { addOutcome, emptyTally, type StreamTally } from '../tally.ts';
import { checkText, type StreamSpec } from '../../workload.ts';
import { round3 } from './ttft.ts';

export interface ResumeParams {
  samples: number;
  chunks: number;
  /** Content chunks the first connection reads before the client cuts it. */
  cutAfter: number;
  itlMs: number;
  /**
   * How long the client stays away before it resumes. Long enough for the
   * stream to have gone on writing, so the resume has logged events to
   * replay: resumed at once, it would wait for the next live chunk, and the
   * figure would be the upstream's inter-token time.
   */
  awayMs: number;
}

export interface ResumeSamples {
  latencyMs: number[];
  tally: StreamTally;
  note: string | null;
}

/** One cut-and-resume over some transport: the two halves of the stream as the client saw them. */
export type ResumeOnce = (spec: StreamSpec, params: ResumeParams) => Promise<{ first: StreamRecorder; second: StreamRecorder } | { failed: string }>;

export async function runResume(target: string, once: ResumeOnce, params: ResumeParams): Promise<ResumeSamples> {
  const result: ResumeSamples = { latencyMs: [], tally: emptyTally(), note: null };
  for (let i = 0; i < params.samples; i++) {
    const halves = await once({ id: nextId('resume', target), chunks: params.chunks, ttftMs: 0, itlMs: params.itlMs }, params);
    if ('failed' in halves) {
      result.note = halves.failed;
      break;
    }
    addOutcome(result.tally, joined(halves.first, halves.second));
    if (halves.second.firstChunkAt >= 0) result.latencyMs.push(round3(halves.second.firstChunkAt - halves.second.startedAt));
  }
  return result;
}

/**
 * Over SSE: the POST is cut by aborting it; the resume is `GET /v1/streams/{id}`
 * with `Last-Event-ID`, sent through `resumer` (the same target, or a second
 * replica sharing its stream store).
 */
export function sseResume(client: SseClient, resumer: SseClient = client): ResumeOnce {
  return async (spec, params) => {
    const first = new StreamRecorder(spec);
    const cut = new AbortController();
    let streamId: string | undefined;
    let token: string | undefined;
    first.onChunk = (r) => r.chunks === params.cutAfter && cut.abort('cut by the bench');
    await client.exchange(
      {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { [Headers.resumable]: '1' },
        body: JSON.stringify(chatBody(client.model, spec)),
        onHeaders: (headers) => {
          streamId = single(headers[Headers.streamId]);
          token = single(headers[Headers.streamToken]);
        },
      },
      first,
      cut.signal,
    );
    if (!cut.signal.aborted || streamId === undefined) return { failed: `the stream could not be cut and resumed: ${first.error ?? `no ${Headers.streamId} header`}` };
    await sleep(params.awayMs);
    const second = new StreamRecorder(spec);
    const headers = { [Headers.lastEventId]: first.lastEventId, ...(token ? { [Headers.streamToken]: token } : {}) };
    await resumer.exchange({ method: 'GET', path: `/v1/streams/${encodeURIComponent(streamId)}`, noContentIsEnd: true, headers }, second, AbortSignal.timeout(10_000));
    return { first, second };
  };
}

/** The outcome of the stream as a whole: both halves' text, ended by the second. */
function joined(first: StreamRecorder, second: StreamRecorder): StreamOutcome {
  const check = checkText(first.text + second.text, first.spec.chunks);
  return {
    completed: second.completed,
    exact: second.completed && check.exact,
    lost: check.lost,
    duplicated: check.duplicated,
    ttftMs: -1,
    maxGapMs: 0,
    chunks: first.chunks + second.chunks,
    error: second.error,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
