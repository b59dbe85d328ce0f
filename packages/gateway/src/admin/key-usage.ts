import { budgetPeriod } from '../limits/budget-period.ts';
import type { KeyLimits } from '../limits/limit-spec.ts';
import type { GatewayContext } from '../request/context.ts';

/** A key's live state, as `GET /admin/keys/{id}` shows it. */
export interface KeyUsageView {
  /** What the key's request and token buckets hold now, and its running streams: the limit store's state (null while none is wired in). */
  requestsRemaining: number | null;
  tokensRemaining: number | null;
  running: number | null;
  /** US dollars spent, from the ledger: in the budget's current period, or ever when the key has no budget. */
  spent: number;
  budgetRemaining: number | null;
  /** When the budget's period starts again (UTC day or month); null without a budget or for a `total` one. */
  periodResetsAt: string | null;
}

export async function keyUsage(ctx: GatewayContext, keyId: string, limits: KeyLimits | null): Promise<KeyUsageView> {
  const budget = limits?.budget;
  const period = budget === undefined ? { startsAt: 0, resetsAt: null } : budgetPeriod(budget);
  const spent = await ctx.usage.spent(keyId, period.startsAt);
  return {
    requestsRemaining: null,
    tokensRemaining: null,
    running: null,
    spent,
    budgetRemaining: null,
    periodResetsAt: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
  };
}
