import { z } from 'zod';
import { rateLimitsSchema } from '../limits/limit-spec.ts';
import { priceSchema } from './provider-schema.ts';

/** `<providerId>/<upstreamModel>`. */
export const targetSpec = z.string().regex(/^[^/]+\/.+$/, 'write it as "<providerId>/<model>"');

/** How an alias picks among its deployments (see `routing/strategies/`). */
export const STRATEGIES = ['weighted', 'latency', 'least-busy', 'cost', 'priority'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** One place an alias's requests can go. Deployments with the same `id` (default: the target) share their health, whichever alias names them. */
export const deploymentSchema = z.strictObject({
  id: z.string().min(1).max(200).optional(),
  target: targetSpec,
  /** Share of the traffic under the `weighted` strategy, relative to the other deployments. */
  weight: z.number().positive().default(1),
  price: priceSchema.optional(),
  /** Enforced by the limits engine when it is configured. */
  limits: rateLimitsSchema.optional(),
  /** No first token this soon after the request went out: abort, count a failure, try the next deployment. */
  firstTokenTimeoutMs: z.number().int().positive().optional(),
});

/**
 * A second attempt on the next deployment when the first has produced no
 * token after `afterMs`, or after the `afterPercentile` of its own measured
 * time to first token (once it has `minSamples` measurements).
 */
export const hedgeSchema = z.union([
  z.strictObject({ afterMs: z.number().int().positive() }),
  z.strictObject({ afterPercentile: z.number().min(50).max(99.9), minSamples: z.number().int().positive().default(20) }),
]);

/** Routes a request to an alias by what it looks like (see `routing/rules/`); all conditions of a rule must hold. */
export const routeRuleSchema = z.strictObject({
  /** Named in `x-sluice-route`, the ledger and the logs (default: `rule<index>`). */
  name: z.string().min(1).max(100).optional(),
  /** The alias this rule sends a request to. */
  use: z.string().min(1),
  minPromptTokens: z.number().int().nonnegative().optional(),
  maxPromptTokens: z.number().int().nonnegative().optional(),
  minMessages: z.number().int().positive().optional(),
  maxMessages: z.number().int().positive().optional(),
  /** The request offers tools (true) or offers none (false). */
  tools: z.boolean().optional(),
  /** A message carries an image part (true) or none does (false). */
  images: z.boolean().optional(),
  /** The request asks for structured output (`response_format` other than text). */
  responseFormat: z.boolean().optional(),
  /** A regular expression (JavaScript syntax, case-insensitive) over the last user message's text. */
  lastUserMessage: z
    .string()
    .min(1)
    .max(1000)
    .refine((source) => compiles(source), 'not a valid regular expression')
    .optional(),
  keys: z.array(z.string().min(1)).min(1).optional(),
  teams: z.array(z.string().min(1)).min(1).optional(),
  /** The request's `x-sluice-route` header says this (`cheap`, `strong`, or any word). */
  hint: z.string().min(1).max(100).optional(),
});

export const routerSchema = z.strictObject({
  rules: z.array(routeRuleSchema).default([]),
  /** The alias for a request no rule matches. */
  default: z.string().min(1),
});

/** Per-alias cache opt-in: `true` caches deterministic requests (temperature 0) for the configured TTL. */
export const aliasCacheSchema = z.union([z.boolean(), z.strictObject({ ttlMs: z.number().int().positive() })]);

export const breakerSchema = z.strictObject({
  /** Consecutive failures that open the breaker. */
  failureThreshold: z.number().int().positive().default(5),
  /** Or: this share of failures among at least `minimumRequests` outcomes in the last `windowMs`. */
  failureRatio: z.number().gt(0).max(1).default(0.5),
  minimumRequests: z.number().int().positive().default(20),
  windowMs: z.number().int().positive().default(30_000),
  /** How long an open breaker refuses traffic (longer when the upstream's retry-after says so). */
  cooldownMs: z.number().int().positive().default(30_000),
  /** Requests let through after the cooldown to test the deployment; one success closes the breaker. */
  halfOpenProbes: z.number().int().positive().default(1),
});

export const healthSchema = z.strictObject({
  breaker: breakerSchema.prefault({}),
  /** Weight of the newest time-to-first-token sample in the moving average the `latency` strategy compares. */
  latencyAlpha: z.number().gt(0).max(1).default(0.2),
});

export const cacheSchema = z.strictObject({
  ttlMs: z.number().int().positive().default(300_000),
  maxEntries: z.number().int().positive().default(10_000),
  /** Total bytes of cached answers held in memory; the oldest go first. */
  maxBytes: z.number().int().positive().default(64 * 1024 * 1024),
});

export type DeploymentConfig = z.output<typeof deploymentSchema>;
export type HedgeConfig = z.output<typeof hedgeSchema>;
export type RouteRuleConfig = z.output<typeof routeRuleSchema>;
export type RouterConfig = z.output<typeof routerSchema>;
export type BreakerConfig = z.output<typeof breakerSchema>;
export type HealthConfig = z.output<typeof healthSchema>;
export type CacheConfig = z.output<typeof cacheSchema>;

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}
