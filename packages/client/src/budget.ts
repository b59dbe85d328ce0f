/**
 * A spend limit for one client, in US dollars. A request whose worst case
 * would pass the limit is refused before it starts; a running stream whose
 * live cost pushes the total past the limit is stopped.
 */
import { BudgetExceededError } from './errors.ts';

/** One admitted request's claim on the budget. */
export interface BudgetReservation {
  /** Report the stream's cost so far; throws BudgetExceededError once the total passes the limit. */
  update(liveCost: number): void;
  /** The request ended: its real cost is spent, the claim is dropped. */
  settle(finalCost: number): void;
}

export class BudgetGuard {
  readonly limit: number;
  #spent = 0;
  readonly #running = new Map<BudgetReservation, number>();

  constructor(limit: number) {
    if (!(limit >= 0) || !Number.isFinite(limit)) throw new TypeError(`a budget must be a number of dollars ≥ 0, got ${limit}`);
    this.limit = limit;
  }

  /** Dollars spent by finished requests. */
  get spent(): number {
    return this.#spent;
  }

  /** Dollars left after finished requests and what running streams have used so far. */
  get remaining(): number {
    return Math.max(0, this.limit - this.#committed());
  }

  /** Admit a request whose worst-case cost is `estimate`, or refuse it. */
  admit(estimate: number): BudgetReservation {
    const committed = this.#committed();
    if (committed + estimate > this.limit) {
      throw new BudgetExceededError(
        `this request may cost $${round(estimate)} and only $${round(Math.max(0, this.limit - committed))} of the $${this.limit} budget is left`,
        { limit: this.limit, spent: committed },
      );
    }
    const reservation: BudgetReservation = {
      update: (liveCost) => {
        if (!this.#running.has(reservation)) return;
        this.#running.set(reservation, liveCost);
        const total = this.#committed();
        if (total > this.limit) {
          throw new BudgetExceededError(`the $${this.limit} budget was passed ($${round(total)} spent)`, { limit: this.limit, spent: total });
        }
      },
      settle: (finalCost) => {
        if (!this.#running.delete(reservation)) return;
        this.#spent += finalCost;
      },
    };
    this.#running.set(reservation, 0);
    return reservation;
  }

  #committed(): number {
    let total = this.#spent;
    for (const live of this.#running.values()) total += live;
    return total;
  }
}

function round(dollars: number): number {
  return Math.round(dollars * 1e6) / 1e6;
}
