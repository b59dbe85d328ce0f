import type { Usage } from '@sluice/protocol';
import type { OutputGate } from '../streams/output-gate.ts';
import type { Admission } from './admission.ts';
import type { SubjectState } from './limit-store.ts';
import type { PromptCorrections } from './prompt-corrections.ts';
import { givenBack, type GivenBack } from './prompt-corrections.ts';
import { limitHeaders } from './rate-limit-headers.ts';
import type { Reservation } from './reservation.ts';

export interface LeaseAdmissionOptions {
  lease: string;
  reservation: Reservation;
  states: readonly SubjectState[];
  gate: OutputGate | undefined;
  /** Set when the prompt was taken at a bound: its count is made there, and read back here. */
  corrections: PromptCorrections | undefined;
  /** Give back what the request did not use, once: its reservation as it stands then. */
  settle(reservation: Reservation, usage: Usage | undefined): void;
}

/**
 * A request admitted under a lease. Its headers are made from the states
 * admission left, corrected by its prompt's count when that was deferred,
 * so they are exact either way; `prepare` makes them while the upstream
 * works, or the response that opens first makes them itself.
 */
export class LeaseAdmission implements Admission {
  readonly gate: OutputGate | undefined;
  readonly #options: LeaseAdmissionOptions;
  #reservation: Reservation;
  #states: readonly SubjectState[];
  #headers: Record<string, string> | undefined;
  #settled = false;

  constructor(options: LeaseAdmissionOptions) {
    this.#options = options;
    this.gate = options.gate;
    this.#reservation = options.reservation;
    this.#states = options.states;
  }

  /** The prompt taken at a bound was counted (`BoundedPrompt.listen`). */
  corrected(counted: Reservation, given: GivenBack): void {
    this.#reservation = counted;
    this.#states = givenBack(this.#states, given);
    this.#headers = undefined;
  }

  /** While the upstream works (`afterDispatch`): count the prompt taken at a bound, and make the headers from the count. */
  prepare(): void {
    if (!this.#settled) void this.headers;
  }

  get states(): readonly SubjectState[] {
    this.#options.corrections?.resolve(this.#options.lease);
    return this.#states;
  }

  get headers(): Readonly<Record<string, string>> {
    const states = this.states;
    return (this.#headers ??= limitHeaders(states));
  }

  settle(usage: Usage | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#options.corrections?.resolve(this.#options.lease);
    this.#options.settle(this.#reservation, usage);
  }
}
