/**
 * Time to first token and inter-token gaps at concurrency 1, targets
 * interleaved request by request: round r sends one request to every target,
 * starting from target r mod n, so slow moments of the machine land on all
 * targets alike and no target always goes first.
 */
import type { TargetEndpoint } from '../../targets/target.ts';
import type { StreamClient } from '../clients/index.ts';
import { nextId } from '../ids.ts';
import { StreamRecorder } from '../recorder.ts';
import { addOutcome, emptyTally, type StreamTally } from '../tally.ts';

const STREAM_TIMEOUT_MS = 10_000;

export interface TtftParams {
  rounds: number;
  /** Rounds run first and thrown away, so JIT warm-up is not measured. */
  warmupRounds: number;
  chunks: number;
  itlMs: number;
}

export interface TtftSamples {
  ttftMs: number[];
  gapsMs: number[];
  tally: StreamTally;
}

export async function runTtft(
  targets: readonly TargetEndpoint[],
  clients: ReadonlyMap<string, StreamClient>,
  params: TtftParams,
  progress: (done: number, total: number) => void,
): Promise<Record<string, TtftSamples>> {
  const samples: Record<string, TtftSamples> = {};
  for (const target of targets) samples[target.name] = { ttftMs: [], gapsMs: [], tally: emptyTally() };
  const total = params.warmupRounds + params.rounds;
  for (let round = 0; round < total; round++) {
    const measured = round >= params.warmupRounds;
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(round + k) % targets.length];
      const recorder = new StreamRecorder({ id: nextId('ttft', target.name), chunks: params.chunks, ttftMs: 0, itlMs: params.itlMs }, true);
      await clients.get(target.name)!.run(recorder, AbortSignal.timeout(STREAM_TIMEOUT_MS));
      const outcome = recorder.outcome();
      const own = samples[target.name];
      addOutcome(own.tally, outcome);
      if (measured && outcome.exact) {
        own.ttftMs.push(round3(outcome.ttftMs));
        for (const gap of recorder.gaps!) own.gapsMs.push(round3(gap));
      }
    }
    if (round % 10 === 9 || round === total - 1) progress(round + 1, total);
  }
  return samples;
}

/** Microsecond precision is all a loopback timing can honestly claim; it also keeps the results file small. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
