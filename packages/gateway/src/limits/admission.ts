import type { Usage } from '@sluice/protocol';
import type { OutputGate } from '../streams/output-gate.ts';
import type { SubjectState } from './limit-store.ts';

/**
 * A request let through its limits. It holds what admission took (a lease,
 * TPM tokens, a budget reservation) until `settle` gives back what the
 * request did not use; the gate keeps a budgeted stream's output within
 * its reservation.
 */
export interface Admission {
  /** The `x-ratelimit-*` and `x-sluice-budget-remaining` headers of the response. */
  readonly headers: Readonly<Record<string, string>>;
  /** The state of each subject right after admission, which the headers were made from. */
  readonly states: readonly SubjectState[];
  readonly gate: OutputGate | undefined;
  /** Once, when the request has ended: its real usage (or none, if it never ran). */
  settle(usage: Usage | undefined): void;
}

/** A request no limit applies to (or admitted uncounted, with the store unreachable and failMode open). */
export const UNLIMITED: Admission = { headers: {}, states: [], gate: undefined, settle() {} };
