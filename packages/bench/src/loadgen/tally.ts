/** Per-target counts of how streams ended: the exactness figures every phase reports. */
import type { StreamOutcome } from './recorder.ts';

export interface StreamTally {
  streams: number;
  exact: number;
  lost: number;
  duplicated: number;
  /** Streams that ended in an error (or never ended) rather than their terminal. */
  failed: number;
  /** The first few distinct error messages, so a report can say what went wrong. */
  errors: string[];
}

export function emptyTally(): StreamTally {
  return { streams: 0, exact: 0, lost: 0, duplicated: 0, failed: 0, errors: [] };
}

export function addOutcome(tally: StreamTally, outcome: StreamOutcome): void {
  tally.streams++;
  if (outcome.exact) tally.exact++;
  tally.lost += outcome.lost;
  tally.duplicated += outcome.duplicated;
  if (!outcome.completed) {
    tally.failed++;
    const message = outcome.error ?? 'did not end';
    if (tally.errors.length < 5 && !tally.errors.includes(message)) tally.errors.push(message);
  }
}

export function mergeTallies(into: StreamTally, from: StreamTally): void {
  into.streams += from.streams;
  into.exact += from.exact;
  into.lost += from.lost;
  into.duplicated += from.duplicated;
  into.failed += from.failed;
  for (const message of from.errors) if (into.errors.length < 5 && !into.errors.includes(message)) into.errors.push(message);
}
