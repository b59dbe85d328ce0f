import { budgetPeriod } from '../limits/budget-period.ts';
import type { KeyLimits } from '../limits/limit-spec.ts';
import type { LimitSubject, SubjectState } from '../limits/limit-store.ts';
import { keySubject, teamSubject } from '../limits/limit-subjects.ts';
import type { GatewayContext } from '../request/context.ts';

/** A key's (or a team's) live state, as `GET /admin/keys/{id}` and `GET /admin/teams/{name}` show it. */
export interface KeyUsageView {
  /**
   * What the subject's request and token buckets hold now, its running streams and what its budget has
   * left: the limit store's state, shared by every replica. Null where it has no such limit
   * (running: no limit at all), or when the store cannot be read.
   */
  requestsRemaining: number | null;
  tokensRemaining: number | null;
  running: number | null;
  /** US dollars spent, from the ledger: in the budget's current period, or ever when there is no budget. */
  spent: number;
  budgetRemaining: number | null;
  /** When the budget's period starts again (UTC day or month); null without a budget or for a `total` one. */
  periodResetsAt: string | null;
}

export function keyUsage(ctx: GatewayContext, keyId: string, limits: KeyLimits | null): Promise<KeyUsageView> {
  return usageOf(ctx, keySubject({ id: keyId, limits: limits ?? undefined }), limits, (since) => ctx.usage.spent(keyId, since));
}

/** A team's: what its keys spent while in it, and the limit store's state of the limits they share. */
export function teamUsage(ctx: GatewayContext, name: string, limits: KeyLimits | null): Promise<KeyUsageView> {
  return usageOf(ctx, teamSubject({ name, limits: limits ?? undefined }), limits, (since) => ctx.usage.teamSpent(name, since));
}

async function usageOf(ctx: GatewayContext, subject: LimitSubject | undefined, limits: KeyLimits | null, spentSince: (since: number) => Promise<number>): Promise<KeyUsageView> {
  const budget = limits?.budget;
  const period = budget === undefined ? { startsAt: 0, resetsAt: null } : budgetPeriod(budget);
  const spent = await spentSince(period.startsAt);
  const state = subject === undefined ? null : await liveState(ctx, subject, spent);
  return {
    requestsRemaining: state?.requests?.remaining ?? null,
    tokensRemaining: state?.tokens?.remaining ?? null,
    running: state?.running ?? null,
    spent,
    budgetRemaining: state?.budget?.remaining ?? null,
    periodResetsAt: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
  };
}

/** The subject as the limit store holds it (read only); null when the store fails (the ledger figures still answer). */
async function liveState(ctx: GatewayContext, subject: LimitSubject, ledgerSpent: number): Promise<SubjectState | null> {
  try {
    return await ctx.limits.usage(subject.budget === undefined ? subject : { ...subject, ledgerSpent });
  } catch (error) {
    ctx.logger.warn({ err: error }, 'reading live limits for the admin API failed');
    return null;
  }
}
