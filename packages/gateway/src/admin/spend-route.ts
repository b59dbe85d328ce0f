import type { FastifyInstance } from 'fastify';
import type { KeyLimits } from '../limits/limit-spec.ts';
import { budgetPeriod } from '../limits/budget-period.ts';
import type { SpendRow } from '../billing/ledger-query.ts';
import type { GatewayContext } from '../request/context.ts';

/** A key as the Spend page shows it: what it spent from the ledger against what its limits allow. */
export interface KeySpend {
  name: string;
  team: string | null;
  requests: number;
  cost: { day: number; month: number; total: number };
  budget: { usd: number; period: string; spent: number; remaining: number; resetsAt: number | null } | null;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
}

function keySpend(name: string, team: string | null, limits: KeyLimits | undefined, rows: readonly SpendRow[], now: number): KeySpend {
  const mine = rows.filter((row) => row.key === name);
  const sum = (pick: (row: SpendRow) => number) => mine.reduce((total, row) => total + pick(row), 0);
  const cost = { day: sum((r) => r.costDay), month: sum((r) => r.costMonth), total: sum((r) => r.costTotal) };
  let budget: KeySpend['budget'] = null;
  if (limits?.budget !== undefined) {
    const spent = cost[limits.budget.period];
    budget = { usd: limits.budget.usd, period: limits.budget.period, spent, remaining: Math.max(0, limits.budget.usd - spent), resetsAt: budgetPeriod(limits.budget, now).resetsAt };
  }
  return { name, team, requests: sum((r) => r.requests), cost, budget, rpm: limits?.rpm ?? null, tpm: limits?.tpm ?? null, concurrency: limits?.concurrency ?? null };
}

/**
 * `GET /admin/spend`: per key and per team, spent today, this month and in
 * total (from the ledger) against its budget and rate limits; per model the
 * cost. Keys the ledger knows but the config does not (managed keys, removed
 * keys) are listed too.
 */
export function registerSpendRoutes(scope: FastifyInstance, ctx: GatewayContext): void {
  scope.get('/admin/spend', async () => {
    const now = Date.now();
    const day = budgetPeriod({ usd: 1, period: 'day' }, now).startsAt;
    const month = budgetPeriod({ usd: 1, period: 'month' }, now).startsAt;
    const rows = await ctx.usage.spend(day, month);
    const callers = ctx.keys.configCallers();
    const known = new Set(callers.map((c) => c.name));
    const keys = callers.map((c) => keySpend(c.name, c.team?.name ?? null, c.limits, rows, now));
    for (const name of new Set(rows.map((r) => r.key))) if (!known.has(name)) keys.push(keySpend(name, null, undefined, rows, now));
    const teams = new Map<string, { name: string; cost: KeySpend['cost']; keys: number }>();
    for (const key of keys) {
      if (key.team === null) continue;
      const team = teams.get(key.team) ?? { name: key.team, cost: { day: 0, month: 0, total: 0 }, keys: 0 };
      team.keys++;
      team.cost.day += key.cost.day;
      team.cost.month += key.cost.month;
      team.cost.total += key.cost.total;
      teams.set(key.team, team);
    }
    const models = new Map<string, { model: string; requests: number; costMonth: number; costTotal: number }>();
    for (const row of rows) {
      const model = models.get(row.model) ?? { model: row.model, requests: 0, costMonth: 0, costTotal: 0 };
      model.requests += row.requests;
      model.costMonth += row.costMonth;
      model.costTotal += row.costTotal;
      models.set(row.model, model);
    }
    // Whether the page may offer to create, change and revoke keys (`/admin/keys` exists).
    return { at: now, managedKeys: ctx.managedKeys !== null, dayStart: day, monthStart: month, keys, teams: [...teams.values()], models: [...models.values()].sort((a, b) => b.costTotal - a.costTotal) };
  });
}
