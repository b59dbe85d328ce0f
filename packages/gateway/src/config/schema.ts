import { z } from 'zod';
import { providerSchema, priceSchema as price } from './provider-schema.ts';
import { keyLimitsSchema, rateLimitsSchema } from '../limits/limit-spec.ts';
import { otelSchema } from './otel-schema.ts';
import { aliasCacheSchema, cacheSchema, deploymentSchema, healthSchema, hedgeSchema, routerSchema, STRATEGIES, targetSpec } from './routing-schema.ts';

/**
 * A model name clients can ask for: one `target`, several weighted
 * `deployments` picked by a `strategy`, or a `router` that sends each
 * request to another alias by rules.
 */
const modelAlias = z
  .strictObject({
    name: z.string().min(1),
    /** `<providerId>/<upstreamModel>`: the same as one deployment of weight 1. */
    target: targetSpec.optional(),
    deployments: z.array(deploymentSchema).min(1).optional(),
    strategy: z.enum(STRATEGIES).default('weighted'),
    router: routerSchema.optional(),
    price: price.optional(),
    fallbacks: z.array(z.string().min(1)).optional(),
    /** For every deployment that sets none. */
    firstTokenTimeoutMs: z.number().int().positive().optional(),
    hedge: hedgeSchema.optional(),
    cache: aliasCacheSchema.optional(),
    /** Limits on this alias across every key. */
    limits: rateLimitsSchema.optional(),
  })
  .refine((alias) => [alias.target, alias.deployments, alias.router].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of "target", "deployments" or "router"',
  });

/** A team name, the same for config teams and teams made through the admin API. */
export const teamNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a team name is 1 to 64 letters, digits, ".", "_" or "-"');

/** What a config key may say besides its secret: its team (one of `teams`), its model allow-list, its limits. */
const keyFields = {
  name: z.string().min(1),
  team: teamNameSchema.optional(),
  /** Aliases or `<provider>/<model>` patterns with `*`; absent allows every model. */
  models: z.array(z.string().min(1)).min(1, 'list at least one model, or leave models out to allow every model').optional(),
  limits: keyLimitsSchema.optional(),
};

const gatewayKey = z.union([
  z.strictObject({ ...keyFields, key: z.string().min(8, 'a gateway key needs at least 8 characters') }),
  z.strictObject({ ...keyFields, keyEnv: z.string().min(1) }),
]);

/** Teams of the config file: read-only, like its keys; config and managed keys alike may belong to one. */
const team = z.strictObject({ name: teamNameSchema, limits: keyLimitsSchema.optional() });

const limits = z.strictObject({
  /** The output a request without max_tokens reserves from TPM buckets. */
  defaultMaxTokens: z.number().int().positive().default(1024),
  /** With the shared limit store (Redis) unreachable: refuse (503 limits_unavailable) or admit uncounted. */
  failMode: z.enum(['closed', 'open']).default('closed'),
  /** A limits call Redis has not answered in this long counts as Redis unreachable. */
  redisTimeoutMs: z.number().int().positive().default(1_000),
});

const server = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  http2: z.union([z.literal(false), z.literal('h2c')]).default(false),
  tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
  bodyLimitBytes: z.number().int().positive().default(16 * 1024 * 1024),
  /** A request, headers and body, must arrive within this (120 s: a 16 MiB body at about 1.2 Mbit/s). */
  requestTimeoutMs: z.number().int().positive().default(120_000),
  /**
   * Browser origins allowed to call the gateway (`*`, an origin, or `http://host:*` for any port).
   * Default: loopback pages only without keys, any page with keys.
   */
  corsOrigins: z.array(z.string()).optional(),
});

const streams = z.strictObject({
  /** Silence on a stream longer than this sends an SSE `: ping` comment. */
  keepaliveMs: z.number().int().positive().default(10_000),
  /** How long a resumable stream runs on with nobody reading. */
  lingerMs: z.number().int().nonnegative().default(30_000),
  /** How long a finished stream stays readable. */
  retentionMs: z.number().int().nonnegative().default(300_000),
  /** Total bytes of stream logs kept in memory; the oldest finished streams go first. */
  maxLogBytes: z.number().int().positive().default(256 * 1024 * 1024),
  /** Sent to SSE clients as `retry:`, so a browser EventSource reconnects this soon after a drop. */
  clientRetryMs: z.number().int().positive().default(1_000),
  /** Names the environment variable holding the secret that signs stream tokens; replicas must share it. */
  tokenSecretEnv: z.string().default('SLUICE_STREAM_SECRET'),
});

const redis = z.strictObject({
  url: z.string().min(1),
  keyPrefix: z.string().default('sluice:'),
  /** A replica renews the liveness of its streams this often; three missed renewals mark them interrupted. */
  heartbeatMs: z.number().int().positive().default(1_000),
  /** The longest a running stream's keys live if its replica dies and nobody reads them. */
  runningTtlMs: z.number().int().positive().default(24 * 3600 * 1000),
});

const ws = z.strictObject({
  heartbeatMs: z.number().int().positive().default(20_000),
  maxStreamsPerSocket: z.number().int().positive().default(64),
  /** Above this many buffered bytes a socket's streams stop reading upstream until it drains. */
  highWaterMarkBytes: z.number().int().positive().default(256 * 1024),
});

const retries = z.strictObject({
  maxRetries: z.number().int().nonnegative().default(2),
  baseDelayMs: z.number().int().nonnegative().default(250),
  maxDelayMs: z.number().int().nonnegative().default(8_000),
});

/**
 * The admin API (`/admin/*`: keys, teams, usage) and managed keys. With this
 * block every chat request needs a key, config or managed, even before any
 * exists; the admin API itself answers only when `keyEnv` holds a key.
 */
const admin = z.strictObject({
  /** Names the environment variable holding the admin key (at least 16 characters). */
  keyEnv: z.string().min(1),
});

export const configSchema = z.strictObject({
  server: server.prefault({}),
  keys: z.array(gatewayKey).default([]),
  teams: z.array(team).default([]),
  admin: admin.optional(),
  providers: z.array(providerSchema).default([]),
  models: z.array(modelAlias).default([]),
  streams: streams.prefault({}),
  ws: ws.prefault({}),
  retries: retries.prefault({}),
  /** Circuit breakers and latency estimates of deployments. */
  health: healthSchema.prefault({}),
  /** The exact-match response cache, for aliases that opt in and requests with `x-sluice-cache: 1`. */
  cache: cacheSchema.prefault({}),
  shutdown: z.strictObject({ drainTimeoutMs: z.number().int().nonnegative().default(10_000) }).prefault({}),
  /** Where usage is recorded: a SQLite file (one replica), PostgreSQL (several; also SLUICE_DATABASE_URL), or nowhere. */
  ledger: z
    .union([z.literal(false), z.strictObject({ path: z.string().min(1) }), z.strictObject({ url: z.string().min(1), table: z.string().default('sluice_usage') })])
    .default({ path: '.sluice/ledger.db' }),
  /** Share stream logs across replicas (also enabled by SLUICE_REDIS_URL). */
  redis: redis.optional(),
  limits: limits.prefault({}),
  /** OpenTelemetry traces and metrics over OTLP/HTTP; off unless enabled here or by OTEL_EXPORTER_OTLP_ENDPOINT. */
  otel: otelSchema.prefault({}),
  /** The web dashboard at /dashboard (it reads the admin API; on a keyless loopback gateway it opens directly). */
  dashboard: z.boolean().default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SluiceConfigInput = z.input<typeof configSchema>;
export type SluiceConfig = z.output<typeof configSchema>;
export type { AnthropicProviderConfig, GeminiProviderConfig, ProviderConfig, ProviderType } from './provider-schema.ts';
export { PROVIDER_TYPES } from './provider-schema.ts';
export type { OtelConfig } from './otel-schema.ts';
export type ModelAliasConfig = z.output<typeof modelAlias>;
export type GatewayKeyConfig = z.output<typeof gatewayKey>;
export type AdminConfig = z.output<typeof admin>;
export type TeamConfig = z.output<typeof team>;
