import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../request/context.ts';
import type { ReplicaSeen } from '../streams/store/types.ts';
import type { RecentActivity } from './recent-activity.ts';

export interface Probe {
  configured: boolean;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

/** A health read gets two seconds: an unreachable service must not hold the page. */
function within2s<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000).unref())]);
}

/** Time one real round trip; a probe that fails says why. */
async function probe(configured: boolean, run: () => Promise<unknown>): Promise<Probe> {
  if (!configured) return { configured, ok: true, latencyMs: null, error: null };
  const started = performance.now();
  try {
    await within2s(run());
    return { configured, ok: true, latencyMs: performance.now() - started, error: null };
  } catch (error) {
    return { configured, ok: false, latencyMs: null, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * `GET /admin/health`: providers and the deployments aliases route to, each
 * deployment's error rate and latency over the last five minutes on this
 * replica, every deployment's circuit breaker and time to first token as
 * the router sees them (`breakers`), whether Redis and the ledger
 * database answer, and, with Redis, the replicas alive on it (`replicas`:
 * null without Redis, or when Redis does not answer, which its probe says).
 */
export function registerHealthRoutes(scope: FastifyInstance, ctx: GatewayContext, activity: RecentActivity): void {
  scope.get('/admin/health', async () => {
    const { config } = ctx;
    const ledger = config.ledger;
    const [redis, database, replicas] = await Promise.all([
      probe(config.redis !== undefined, () => ctx.store.recall(['sluice-health-probe'])),
      probe(ledger !== false, () => ctx.usage.totals('sluice-health-probe')),
      within2s(ctx.store.replicas()).catch((): ReplicaSeen[] | null => null),
    ]);
    return {
      at: Date.now(),
      accepting: ctx.registry.accepting,
      running: ctx.registry.running,
      providers: config.providers.map((p) => ({ id: p.id, type: p.type, baseURL: 'baseURL' in p ? (p.baseURL ?? null) : null })),
      aliases: config.models.map((m) => ({ name: m.name, target: m.target, fallbacks: m.fallbacks ?? [] })),
      deployments: activity.deployments(),
      breakers: ctx.health.snapshot(),
      redis,
      replicas,
      database: { ...database, kind: ledger === false ? 'none' : 'url' in ledger ? 'postgresql' : 'sqlite' },
    };
  });
}
