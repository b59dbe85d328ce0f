import type { Budget } from './limit-spec.ts';

export interface BudgetPeriod {
  /** Names the period in storage keys: `d2026-12-01`, `m2026-12`, `total`. */
  readonly key: string;
  /** Start of the period, UTC, in ms (0 for a `total` budget). */
  readonly startsAt: number;
  /** End of the period, UTC, in ms; null for a `total` budget. */
  readonly resetsAt: number | null;
}

/** The last period computed of each kind: every request of a period asks again, several times, on the admission path. */
const last: Partial<Record<Budget['period'], BudgetPeriod>> = {};

/** The budget period `now` falls in. Days and months are UTC, so every replica agrees where they end. */
export function budgetPeriod(budget: Budget, now = Date.now()): BudgetPeriod {
  const known = last[budget.period];
  if (known !== undefined && now >= known.startsAt && (known.resetsAt === null || now < known.resetsAt)) return known;
  return (last[budget.period] = periodAt(budget.period, now));
}

function periodAt(period: Budget['period'], now: number): BudgetPeriod {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  switch (period) {
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
