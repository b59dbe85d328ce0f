/**
 * The three clocks of a stream attempt: connecting (until the server takes
 * the request), the first token (a deadline for the whole stream), and idle
 * (between any two events, keepalives included — the seed's 60 s check).
 * When one runs out, `onTimeout` gets a TimeoutError naming which.
 */
import { TimeoutError, type TimeoutPhase } from './errors.ts';

export interface Timeouts {
  /** Until the server accepts the request (response headers, WS `accepted`). Default 30 s. */
  connectMs: number;
  /** From sending the request until the first chunk. Default 120 s. */
  firstTokenMs: number;
  /** Between events once open, keepalives included. Default 60 s. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({ connectMs: 30_000, firstTokenMs: 120_000, idleMs: 60_000 });

export class Watchdog {
  readonly #timeouts: Timeouts;
  readonly #onTimeout: (error: TimeoutError) => void;
  readonly #timers = new Map<TimeoutPhase, ReturnType<typeof setTimeout>>();
  #lastHeard = 0;
  #holding = false;

  constructor(timeouts: Timeouts, onTimeout: (error: TimeoutError) => void) {
    this.#timeouts = timeouts;
    this.#onTimeout = onTimeout;
  }

  /** The attempt began; `firstTokenDeadline` (epoch ms) applies while no chunk has arrived. */
  begin(firstTokenDeadline: number | null): void {
    this.#arm('connect', this.#timeouts.connectMs);
    if (firstTokenDeadline !== null) {
      this.#arm('first-token', Math.max(0, firstTokenDeadline - Date.now()), this.#timeouts.firstTokenMs);
    }
  }

  /** Any event arrived: the connection is open and alive. */
  heard(): void {
    this.#lastHeard = Date.now();
    this.#holding = false;
    if (this.#timers.has('connect')) this.#clear('connect');
    // One timer that re-arms itself for the remainder, rather than a new timer per event.
    if (!this.#timers.has('idle')) this.#armIdle(this.#timeouts.idleMs);
  }

  firstToken(): void {
    this.#clear('first-token');
  }

  /** The reader is slow, not the server: stop counting idle time until `heard()` again. */
  hold(): void {
    this.#holding = true;
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #arm(phase: TimeoutPhase, ms: number, reportMs = ms): void {
    this.#clear(phase);
    const timer = setTimeout(() => {
      this.stop();
      this.#onTimeout(new TimeoutError(phase, reportMs));
    }, ms);
    this.#timers.set(phase, timer);
  }

  #armIdle(ms: number): void {
    this.#timers.set(
      'idle',
      setTimeout(() => {
        this.#timers.delete('idle');
        const silent = Date.now() - this.#lastHeard;
        if (this.#holding) this.#armIdle(this.#timeouts.idleMs);
        else if (silent < this.#timeouts.idleMs) this.#armIdle(this.#timeouts.idleMs - silent);
        else {
          this.stop();
          this.#onTimeout(new TimeoutError('idle', this.#timeouts.idleMs));
        }
      }, ms),
    );
  }

  #clear(phase: TimeoutPhase): void {
    clearTimeout(this.#timers.get(phase));
    this.#timers.delete(phase);
  }
}
