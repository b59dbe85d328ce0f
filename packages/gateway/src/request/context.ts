import type { Logger } from 'pino';
import type { AdminKey } from '../admin/admin-key.ts';
import type { ManagedKeys } from '../keys/managed-keys.ts';
import type { KeyRing } from '../auth/key-ring.ts';
import type { UsageStore } from '../billing/usage-store.ts';
import type { SluiceConfig } from '../config/schema.ts';
import type { Provider } from '../providers/types.ts';
import type { RetryPolicy } from '../retry/policy.ts';
import type { Router } from '../routing/router.ts';
import type { DeploymentHealth } from '../health/deployment-health.ts';
import type { ResponseCache } from '../routing/cache/response-cache.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { StreamTokens } from '../streams/stream-id.ts';
import type { StreamLogStore } from '../streams/store/types.ts';
import type { KeepaliveTicker } from '../streams/keepalive.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { Telemetry } from '../telemetry/types.ts';
import type { LimitEngine } from '../limits/limit-engine.ts';
import type { RecentActivity } from '../admin/recent-activity.ts';
import type { LiveFeed } from '../admin/live-feed.ts';

/** Everything a transport needs from the gateway, built once at start. */
export interface GatewayContext {
  config: SluiceConfig;
  logger: Logger;
  keys: KeyRing;
  /** The admin key, or null when the admin API is off. */
  admin: AdminKey | null;
  /** Keys and teams made through the admin API; null without an `admin` block. */
  managedKeys: ManagedKeys | null;
  providers: ReadonlyMap<string, Provider>;
  router: Router;
  /** Breakers, latency estimates and running counts of every deployment (`snapshot()` for the dashboard). */
  health: DeploymentHealth;
  /** The exact-match response cache (memory, or Redis when configured). */
  cache: ResponseCache;
  retry: RetryPolicy;
  registry: StreamRegistry;
  store: StreamLogStore;
  tokens: StreamTokens;
  keepalive: KeepaliveTicker;
  usage: UsageStore;
  metrics: GatewayMetrics;
  /** OpenTelemetry traces and metrics; null when off, and then nothing on the request path touches it. */
  telemetry: Telemetry | null;
  limits: LimitEngine;
  /** What this replica settled lately (totals, per-deployment windows), for the dashboard. */
  activity: RecentActivity;
  /** Live snapshots for `/admin/events`; ticks only while somebody watches. */
  liveFeed: LiveFeed;
}
