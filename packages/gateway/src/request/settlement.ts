import type { UsageRecord } from '../billing/usage-store.ts';
import type { Settlement } from '../streams/generation.ts';
import type { GatewayContext } from './context.ts';
import { logError } from './log-error.ts';

/** What happens once per finished stream: the ledger row and one summary log line, from the same record. */
export function settle(ctx: GatewayContext, settlement: Settlement): void {
  const { usage } = settlement;
  const record: UsageRecord = {
    at: Date.now(),
    streamId: settlement.id,
    endpoint: settlement.api,
    key: settlement.ownerName,
    keyId: settlement.owner,
    team: settlement.ownerTeam,
    model: settlement.model,
    target: settlement.target,
    status: settlement.status,
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    estimated: usage.estimated === true,
    cost: usage.cost ?? 0,
    ttftMs: settlement.ttftMs,
    durationMs: settlement.durationMs,
    route: settlement.route,
    cached: settlement.cached,
    retries: settlement.retries,
    errorCode: settlement.error?.code ?? null,
    errorMessage: settlement.error?.message ?? null,
  };
  ctx.usage.record(record);
  // What hedging cost is visible: each losing attempt is a row of its own, under the same stream id.
  for (const loss of settlement.hedgeLosses) {
    const { usage: lost } = loss;
    ctx.usage.record({ ...record, target: loss.target, status: 'hedge_lost', promptTokens: lost.prompt_tokens, completionTokens: 0, estimated: true, cost: lost.cost ?? 0, ttftMs: null, durationMs: loss.waitedMs, cached: false });
  }
  ctx.metrics.settled(settlement);
  ctx.telemetry?.settled(settlement);
  ctx.activity.settled(settlement);
  const summary = { ...record, ...(settlement.hedgeLosses.length === 0 ? {} : { hedgeLost: settlement.hedgeLosses.map((loss) => loss.target) }) };
  if (settlement.error !== null && settlement.status === 'error') logError(ctx, settlement.error, summary);
  ctx.logger.info(summary, 'stream settled');
}
