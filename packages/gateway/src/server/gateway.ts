import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { KeyRing } from '../auth/key-ring.ts';
import { AdminKey } from '../admin/admin-key.ts';
import { DatabaseSync } from 'node:sqlite';
import { KeyChangeBus } from '../keys/key-change-bus.ts';
import { KeyDirectory } from '../keys/key-directory.ts';
import { KeyRevocation } from '../request/key-revocation.ts';
import type { KeyStore } from '../keys/key-store.ts';
import { ManagedKeys } from '../keys/managed-keys.ts';
import { PostgresKeyStore } from '../keys/postgres-key-store.ts';
import { SqliteKeyStore } from '../keys/sqlite-key-store.ts';
import { PostgresUsageStore } from '../billing/postgres-usage-store.ts';
import { SqliteUsageStore } from '../billing/sqlite-usage-store.ts';
import { NullUsageStore, type UsageStore } from '../billing/usage-store.ts';
import { ConfigError, resolveConfig } from '../config/load.ts';
import type { SluiceConfig, SluiceConfigInput } from '../config/schema.ts';
import { createProviders } from '../providers/registry.ts';
import { RetryPolicy } from '../retry/policy.ts';
import { Router } from '../routing/router.ts';
import { DeploymentHealth } from '../health/deployment-health.ts';
import { RedisObservationBus } from '../health/redis-observation-bus.ts';
import { ResponseCache } from '../routing/cache/response-cache.ts';
import { MemoryCacheStore } from '../routing/cache/memory-cache-store.ts';
import { RedisCacheStore } from '../routing/cache/redis-cache-store.ts';
import { StreamRegistry } from '../streams/registry.ts';
import { StreamTokens } from '../streams/stream-id.ts';
import { MemoryStreamLogStore } from '../streams/store/memory-store.ts';
import { RedisStreamLogStore } from '../streams/store/redis-store.ts';
import type { StreamLogStore } from '../streams/store/types.ts';
import { KeepaliveTicker } from '../streams/keepalive.ts';
import { registerWebSocketTransport, type WebSocketTransport } from '../transports/ws/websocket-transport.ts';
import { createHttpApp } from './app.ts';
import type { GatewayContext } from '../request/context.ts';
import { protocolOptions } from '../config/http-protocol.ts';
import { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { settle } from '../request/settlement.ts';
import { loadTelemetry } from '../telemetry/load.ts';
import { RecentActivity } from '../admin/recent-activity.ts';
import { LiveFeed } from '../admin/live-feed.ts';
import { providerName } from '../telemetry/genai-conventions.ts';
import type { Telemetry } from '../telemetry/types.ts';
import { LimitEngine } from '../limits/limit-engine.ts';
import type { LimitStore } from '../limits/limit-store.ts';
import { MemoryLimitStore } from '../limits/memory-limit-store.ts';
import { RedisLimitStore } from '../limits/redis-limit-store.ts';

export interface StartGatewayOptions {
  /** A config object (validated here) or one already resolved; the embedded default when absent. */
  config?: SluiceConfigInput | SluiceConfig;
  port?: number;
  host?: string;
  logLevel?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface RunningGateway {
  url: string;
  baseURL: string;
  context: GatewayContext;
  app: FastifyInstance;
  /** Graceful: stop accepting, let streams finish up to the drain timeout, then end the rest. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/;

/** Build and start a gateway. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const config = resolveConfig(options.config as SluiceConfigInput | undefined, env);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  // With an admin block every request needs a key (config or managed), so the gateway is closed even before it has one.
  if (config.keys.length === 0 && config.admin === undefined && !LOOPBACK.test(host)) {
    throw new ConfigError(`refusing to listen on ${host} without gateway keys: add "keys" (or "admin") to the config, or bind to 127.0.0.1`);
  }
  const protocol = protocolOptions(config.server);
  const logger = options.logger ?? createLogger(options.logLevel ?? config.logLevel);
  const context = createContext(config, logger, env, await loadTelemetry(config, env));
  try {
    // Managed keys are in memory before the first request, so none is refused for being loaded late.
    await context.managedKeys?.directory.start();
  } catch (error) {
    await closeContext(context);
    throw error;
  }
  // A key revoked or expired stops its running streams on this replica too, not only its next request.
  const directory = context.managedKeys?.directory;
  const revocation = directory === undefined ? undefined : new KeyRevocation(directory, context.registry);
  const app = createHttpApp(context, protocol);
  const websockets = registerWebSocketTransport(app, context);
  try {
    await app.listen({ host, port });
  } catch (error) {
    revocation?.close();
    await closeContext(context);
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${protocol.https === undefined ? 'http' : 'https'}://${shownHost}:${address.port}`;
  if (context.keys.open) logger.info(`no gateway keys configured: serving without authentication, on loopback only (${url})`);
  if (config.admin !== undefined && context.admin === null) logger.warn(`${config.admin.keyEnv} is not set: the admin API is off (every /admin/* path is 404); managed keys still work`);
  let closing: Promise<void> | undefined;
  return {
    url,
    baseURL: `${url}/v1`,
    context,
    app,
    close: () => {
      revocation?.close();
      return (closing ??= shutdown(app, context, websockets));
    },
  };
}

/**
 * Logs are buffered and written at most every quarter second (or per 8 KB),
 * so the line each stream logs costs no write of its own. close() flushes.
 */
function createLogger(level: string): Logger {
  const destination = pino.destination({ sync: false, minLength: 8 * 1024 });
  setInterval(() => destination.flush(), 250).unref();
  return pino({ level }, destination);
}

function createContext(config: SluiceConfig, logger: Logger, env: NodeJS.ProcessEnv, telemetry: Telemetry | null): GatewayContext {
  const providers = createProviders(config.providers, env);
  const store = createStreamStore(config, logger);
  const usage = createUsageStore(config, logger);
  const managedKeys = config.admin === undefined ? null : createManagedKeys(config, usage, logger);
  const registry = new StreamRegistry({ store, onSettled: (settlement) => settle(context, settlement) });
  const router = new Router(config, providers);
  const metrics = new GatewayMetrics({ registry, store, modelLabel: (model) => router.metricLabel(model), providerName: providerNames(config) });
  const activity = new RecentActivity();
  const context: GatewayContext = {
    config,
    logger,
    keys: new KeyRing(config.keys, env, { required: config.admin !== undefined, managed: managedKeys?.directory, teams: config.teams }),
    admin: AdminKey.from(config, env),
    managedKeys,
    providers,
    router,
    health: createHealth(config, logger),
    cache: createResponseCache(config, logger),
    retry: new RetryPolicy(config.retries),
    store,
    registry,
    tokens: new StreamTokens(env[config.streams.tokenSecretEnv]),
    keepalive: new KeepaliveTicker(config.streams.keepaliveMs),
    usage,
    metrics,
    telemetry,
    limits: new LimitEngine({ config, store: createLimitStore(config, logger), usage, logger, onFailOpen: () => metrics.limitsFailedOpen() }),
    activity,
    liveFeed: new LiveFeed(registry, activity),
  };
  return context;
}

/** A provider id to its `gen_ai.provider.name`, from the configured providers. */
function providerNames(config: SluiceConfig): (providerId: string | null) => string {
  const names = new Map(config.providers.map((p) => [p.id, providerName(p.type)]));
  return (id) => (id === null ? undefined : names.get(id)) ?? '_OTHER';
}

/** Cached answers are this replica's own, or shared by every replica through the configured Redis. */
function createResponseCache(config: SluiceConfig, logger: Logger): ResponseCache {
  const { ttlMs, maxEntries, maxBytes } = config.cache;
  if (config.redis === undefined) return new ResponseCache(new MemoryCacheStore({ maxEntries, maxBytes }), ttlMs);
  const store = new RedisCacheStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, maxBytes, onError: (error) => logger.error({ err: error }, 'redis response cache') });
  return new ResponseCache(store, ttlMs);
}

/** Breakers are per replica, or shared by every replica through the configured Redis. */
function createHealth(config: SluiceConfig, logger: Logger): DeploymentHealth {
  if (config.redis === undefined) return new DeploymentHealth(config.health);
  const bus = new RedisObservationBus({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, onError: (error) => logger.error({ err: error }, 'redis health bus') });
  return new DeploymentHealth(config.health, bus);
}

function createUsageStore(config: SluiceConfig, logger: Logger): UsageStore {
  const onError = (error: unknown) => logger.error({ err: error }, 'ledger write failed');
  const ledger = config.ledger;
  if (ledger === false) return new NullUsageStore();
  if ('url' in ledger) return new PostgresUsageStore(ledger.url, ledger.table, onError);
  return new SqliteUsageStore(ledger.path, onError);
}

/** Managed keys live in the ledger's database; without a ledger, in memory (lost at restart, and said so). */
function createManagedKeys(config: SluiceConfig, usage: UsageStore, logger: Logger): ManagedKeys {
  const onError = (error: unknown) => logger.error({ err: error }, 'managed keys');
  const ledger = config.ledger;
  let store: KeyStore;
  if (usage instanceof SqliteUsageStore) store = new SqliteKeyStore(usage.database);
  else if (ledger !== false && 'url' in ledger) store = new PostgresKeyStore(ledger.url, ledger.table, onError);
  else {
    logger.warn('ledger is false: managed keys are kept in memory and lost when the gateway stops');
    store = new SqliteKeyStore(new DatabaseSync(':memory:'), { ownsDatabase: true });
  }
  const directory = new KeyDirectory(store, config.teams, onError);
  const bus = config.redis === undefined ? null : new KeyChangeBus({ ...config.redis, onChange: () => void directory.refresh().catch(onError), onError });
  return new ManagedKeys(store, directory, bus, config.teams);
}

/** Limits are exact across replicas only when they share Redis; one replica keeps them in memory. */
function createLimitStore(config: SluiceConfig, logger: Logger): LimitStore {
  if (config.redis === undefined) return new MemoryLimitStore();
  return new RedisLimitStore({
    url: config.redis.url,
    keyPrefix: `${config.redis.keyPrefix}limits:`,
    heartbeatMs: config.redis.heartbeatMs,
    commandTimeoutMs: config.limits.redisTimeoutMs,
    onError: errorsAtMostEverySecond((error) => logger.error({ err: error }, 'redis limit store')),
  });
}

/** Redis reconnecting reports an error per attempt: a line a second says as much. */
function errorsAtMostEverySecond(log: (error: unknown) => void): (error: unknown) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < 1000) return;
    last = now;
    log(error);
  };
}

function createStreamStore(config: SluiceConfig, logger: Logger): StreamLogStore {
  const { retentionMs, maxLogBytes } = config.streams;
  if (config.redis === undefined) return new MemoryStreamLogStore({ retentionMs, maxBytes: maxLogBytes });
  return new RedisStreamLogStore({ ...config.redis, retentionMs, onError: (error) => logger.error({ err: error }, 'redis stream store') });
}

async function shutdown(app: FastifyInstance, context: GatewayContext, websockets: WebSocketTransport): Promise<void> {
  context.liveFeed.close();
  const serverClosed = app.close();
  await context.registry.drain(context.config.shutdown.drainTimeoutMs);
  // Every stream has ended and been written; sockets can be told the server is going away (1001).
  await websockets.close();
  await closeRemainingConnections(app, serverClosed);
  await closeContext(context);
}

/**
 * Streams have ended, but connections can remain: one whose last response is
 * still flushing, or one a client opened ahead of need and never used, which
 * Node does not count as idle and would keep until its headers timeout.
 * Close connections as they go idle; after a short grace close the rest.
 */
async function closeRemainingConnections(app: FastifyInstance, serverClosed: PromiseLike<unknown>): Promise<void> {
  let closed = false;
  const done = Promise.resolve(serverClosed).then(() => (closed = true));
  const deadline = Date.now() + 250;
  while (!closed && Date.now() < deadline) {
    app.server.closeIdleConnections?.();
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 25))]);
  }
  if (!closed) app.server.closeAllConnections?.();
  await done;
}

async function closeContext(context: GatewayContext): Promise<void> {
  await Promise.all([...context.providers.values()].map((p) => p.close()));
  await context.managedKeys?.close();
  await context.limits.close();
  await context.usage.close();
  await context.telemetry?.shutdown().catch((error: unknown) => context.logger.warn({ err: error }, 'telemetry export failed at shutdown'));
  await context.store.close();
  await context.health.close();
  await context.cache.close();
  await new Promise<void>((resolve) => context.logger.flush(() => resolve()));
}
