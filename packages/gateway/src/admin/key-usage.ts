import { budgetPeriod } from '../limits/budget-period.ts';
import type { KeyLimits } from '../limits/limit-spec.ts';
import type { SubjectState } from '../limits/limit-store.ts';
import { keySubject } from '../limits/limit-subjects.ts';
import type { GatewayContext } from '../request/context.ts';

/** A key's live state, as `GET /admin/keys/{id}` shows it. */
export interface KeyUsageView {
  /**
   * What the key's request and token buckets hold now, its running streams and what its budget has
   * left: the limit store's state, shared by every replica. Null where the key has no such limit
   * (running: no limit at all), or when the store cannot be read.
   */
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
  const state = await liveState(ctx, keyId, limits, spent);
  return {
    requestsRemaining: state?.requests?.remaining ?? null,
    tokensRemaining: state?.tokens?.remaining ?? null,
    running: state?.running ?? null,
    spent,
    budgetRemaining: state?.budget?.remaining ?? null,
    periodResetsAt: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
  };
}

/** The key's subject as the limit store holds it (read only); null without limits, or when the store fails (the ledger figures still answer). */
async function liveState(ctx: GatewayContext, keyId: string, limits: KeyLimits | null, ledgerSpent: number): Promise<SubjectState | null> {
  const subject = keySubject({ id: keyId, limits: limits ?? undefined });
  if (subject === undefined) return null;
  try {
    return await ctx.limits.store.usage(subject.budget === undefined ? subject : { ...subject, ledgerSpent });
  } catch (error) {
    ctx.logger.warn({ err: error }, 'reading a key\'s live limits for the admin API failed');
    return null;
  }
}
