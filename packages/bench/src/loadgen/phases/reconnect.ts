/**
 * Reconnection with the client SDK: `@sluice/client` streams through a relay
 * that cuts the connection after a few chunks; the SDK reconnects and
 * resumes by itself. The figure is the time the reader lost: from the cut to
 * the next chunk its loop receives. The text the loop saw must be exact.
 */
import { SluiceClient } from '@sluice/client';
import type { TargetEndpoint } from '../../targets/target.ts';
import { checkText } from '../../workload.ts';
import { chatBody, chunkContent } from '../clients/chat-body.ts';
import { describe } from '../clients/stream-client.ts';
import { CutRelay } from '../cut-relay.ts';
import { nextId } from '../ids.ts';
import { addOutcome, emptyTally, type StreamTally } from '../tally.ts';
import { round3 } from './ttft.ts';

export interface ReconnectParams {
  samples: number;
  chunks: number;
  itlMs: number;
  /** Chunks the loop receives before the cut. */
  cutAfter: number;
}

export interface ReconnectSamples {
  /** The SDK transport measured: 'sse' or 'ws'. */
  transport: 'sse' | 'ws';
  lostMs: number[];
  /** How many resumes the SDK reported per stream (one expected). */
  resumes: number[];
  tally: StreamTally;
  note: string | null;
}

export async function runReconnect(target: TargetEndpoint, params: ReconnectParams): Promise<ReconnectSamples> {
  const transport = target.transport === 'ws-sluice' ? 'ws' : 'sse';
  const result: ReconnectSamples = { transport, lostMs: [], resumes: [], tally: emptyTally(), note: null };
  const relay = await CutRelay.start(Number(new URL(target.url).port));
  const client = new SluiceClient({ baseURL: `http://127.0.0.1:${relay.port}/v1`, transport });
  try {
    for (let i = 0; i < params.samples; i++) {
      const spec = { id: nextId('reconnect', target.name), chunks: params.chunks, ttftMs: 0, itlMs: params.itlMs };
      let text = '';
      let received = 0;
      let cutAt = 0;
      let lost = -1;
      let error: string | null = null;
      let resumes = 0;
      try {
        const stream = client.chat.stream(chatBody(target.model, spec), { signal: AbortSignal.timeout(15_000) });
        for await (const chunk of stream) {
          const content = chunkContent(chunk);
          if (content === '') continue;
          text += content;
          received++;
          if (cutAt > 0 && lost < 0) lost = performance.now() - cutAt;
          if (received === params.cutAfter) {
            cutAt = performance.now();
            relay.cut();
          }
        }
        resumes = (await stream.final()).resumes;
      } catch (failure) {
        error = describe(failure);
      }
      const check = checkText(text, spec.chunks);
      addOutcome(result.tally, { completed: error === null, exact: error === null && check.exact, lost: check.lost, duplicated: check.duplicated, ttftMs: -1, maxGapMs: 0, chunks: received, error });
      if (lost >= 0) result.lostMs.push(round3(lost));
      result.resumes.push(resumes);
      if (error !== null && result.lostMs.length === 0 && i >= 2) {
        result.note = `the SDK did not resume: ${error}`;
        break;
      }
    }
  } finally {
    client.close();
    await relay.close();
  }
  return result;
}
