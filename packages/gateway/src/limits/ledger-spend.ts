import type { Caller } from '../auth/key-ring.ts';
import type { UsageStore } from '../billing/usage-store.ts';
import { budgetPeriod } from './budget-period.ts';
import type { LimitSubject } from './limit-store.ts';

/**
 * What the ledger says a key spent in its budget's current period, read
 * once per key and period by this process, so that a budget survives a
 * restart (and an emptied Redis). Teams are not in the ledger: their spend
 * lives in the limit store only.
 */
export class LedgerSpend {
  readonly #usage: UsageStore;
  readonly #onError: (error: unknown) => void;
  readonly #known = new Map<string, number>();
  readonly #reading = new Map<string, Promise<number>>();

  constructor(usage: UsageStore, onError: (error: unknown) => void) {
    this.#usage = usage;
    this.#onError = onError;
  }

  /**
   * `subjects` with `ledgerSpent` filled in on the caller's own key subject.
   * Synchronous once the figure is known (every request after the first of a period).
   */
  fill(subjects: LimitSubject[], caller: Caller): LimitSubject[] | Promise<LimitSubject[]> {
    const index = subjects.findIndex((s) => s.budget !== undefined && s.id === `key:${caller.id}`);
    if (index === -1) return subjects;
    const subject = subjects[index];
    const period = budgetPeriod(subject.budget!);
    const cacheKey = `${caller.id}\u0000${period.key}`;
    const known = this.#known.get(cacheKey);
    const withSpent = (spent: number) => subjects.map((s, i) => (i === index ? { ...s, ledgerSpent: spent } : s));
    if (known !== undefined) return withSpent(known);
    let reading = this.#reading.get(cacheKey);
    if (reading === undefined) {
      reading = this.#usage.spent(caller.id, period.startsAt).then(
        (spent) => {
          this.#known.set(cacheKey, spent);
          return spent;
        },
        (error: unknown) => {
          this.#onError(error);
          return 0;
        },
      );
      reading.finally(() => this.#reading.delete(cacheKey)).catch(() => {});
      this.#reading.set(cacheKey, reading);
    }
    return reading.then(withSpent);
  }
}
