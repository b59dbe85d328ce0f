import type { Caller } from '../auth/key-ring.ts';
import type { UsageStore } from '../billing/usage-store.ts';
import { budgetPeriod, type BudgetPeriod } from './budget-period.ts';
import type { LimitSubject } from './limit-store.ts';

/**
 * What the ledger says a key, and its team, spent in their budgets' current
 * periods, read once per subject and period by this process, so that a
 * budget survives a restart (and an emptied Redis). A team's spend is what
 * its keys spent while in the team (the ledger's `team` column).
 */
export class LedgerSpend {
  readonly #usage: UsageStore;
  readonly #onError: (error: unknown) => void;
  readonly #known = new Map<string, number>();
  readonly #reading = new Map<string, Promise<number>>();
  /** What `fill` gave a subjects array, and in which budget periods (the same objects while a period lasts). */
  readonly #filled = new WeakMap<readonly LimitSubject[], { periods: readonly (BudgetPeriod | undefined)[]; filled: readonly LimitSubject[] }>();

  constructor(usage: UsageStore, onError: (error: unknown) => void) {
    this.#usage = usage;
    this.#onError = onError;
  }

  /**
   * `subjects` with `ledgerSpent` filled in on the caller's own key subject and its team's.
   * Synchronous once the figures are known (every request after the first of a period).
   */
  fill(subjects: readonly LimitSubject[], caller: Caller): readonly LimitSubject[] | Promise<readonly LimitSubject[]> {
    if (!subjects.some((subject) => subject.budget !== undefined)) return subjects;
    // A caller's subjects are the same array request after request (LimitSubjects.for): filled once a period.
    const kept = this.#filled.get(subjects);
    if (kept !== undefined && samePeriods(subjects, kept.periods)) return kept.filled;
    const filled = this.#read(subjects, caller);
    if (!(filled instanceof Promise)) this.#filled.set(subjects, { periods: subjects.map((subject) => subject.budget && budgetPeriod(subject.budget)), filled });
    return filled;
  }

  #read(subjects: readonly LimitSubject[], caller: Caller): readonly LimitSubject[] | Promise<readonly LimitSubject[]> {
    const team = caller.team?.name;
    const readers = new Map<number, number | Promise<number>>();
    subjects.forEach((subject, index) => {
      if (subject.budget === undefined) return;
      if (subject.id === `key:${caller.id}`) readers.set(index, this.#spent(subject, (since) => this.#usage.spent(caller.id, since)));
      else if (team !== undefined && subject.id === `team:${team}`) readers.set(index, this.#spent(subject, (since) => this.#usage.teamSpent(team, since)));
    });
    if (readers.size === 0) return subjects;
    const withSpent = (spent: ReadonlyMap<number, number>) => subjects.map((s, i) => (spent.has(i) ? { ...s, ledgerSpent: spent.get(i) } : s));
    if ([...readers.values()].every((value) => typeof value === 'number')) return withSpent(readers as Map<number, number>);
    return Promise.all([...readers].map(async ([index, value]) => [index, await value] as const)).then((pairs) => withSpent(new Map(pairs)));
  }

  /** The subject's spend in its current period: known, being read, or read now. */
  #spent(subject: LimitSubject, read: (since: number) => Promise<number>): number | Promise<number> {
    const period = budgetPeriod(subject.budget!);
    const cacheKey = `${subject.id}\u0000${period.key}`;
    const known = this.#known.get(cacheKey);
    if (known !== undefined) return known;
    let reading = this.#reading.get(cacheKey);
    if (reading === undefined) {
      reading = read(period.startsAt).then(
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
    return reading;
  }
}

/** Whether every budget of `subjects` is still in the period kept for it (`budgetPeriod` gives one object per period). */
function samePeriods(subjects: readonly LimitSubject[], periods: readonly (BudgetPeriod | undefined)[]): boolean {
  for (let i = 0; i < subjects.length; i++) {
    const budget = subjects[i].budget;
    if (budget !== undefined && budgetPeriod(budget) !== periods[i]) return false;
  }
  return true;
}
