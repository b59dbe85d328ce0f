import type { Budget } from './limit-spec.ts';

export interface BudgetPeriod {
  /** Names the period in storage keys: `d2026-12-01`, `m2026-12`, `total`. */
  key: string;
  /** Start of the period, UTC, in ms (0 for a `total` budget). */
  startsAt: number;
  /** End of the period, UTC, in ms; null for a `total` budget. */
  resetsAt: number | null;
}

/** The budget period `now` falls in. Days and months are UTC, so every replica agrees where they end. */
export function budgetPeriod(budget: Budget, now = Date.now()): BudgetPeriod {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  switch (budget.period) {
    case 'day': {
      const startsAt = Date.UTC(year, month, date.getUTCDate());
      return { key: `d${new Date(startsAt).toISOString().slice(0, 10)}`, startsAt, resetsAt: startsAt + 86_400_000 };
    }
    case 'month': {
      const startsAt = Date.UTC(year, month, 1);
      return { key: `m${new Date(startsAt).toISOString().slice(0, 7)}`, startsAt, resetsAt: Date.UTC(year, month + 1, 1) };
    }
    case 'total':
      return { key: 'total', startsAt: 0, resetsAt: null };
  }
}
