import { z } from 'zod';
import { rateLimitsSchema } from '../limits/limit-spec.ts';

/** US dollars per million tokens. */
export const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  /** Prompt tokens read from the provider's cache (`input` when absent). */
  cachedInput: z.number().nonnegative().optional(),
  /** Prompt tokens written to the provider's cache (`input` when absent). */
  cacheWrite: z.number().nonnegative().optional(),
});

/**
 * The provider types, each an implementation under `providers/<type>/`. A
 * request body key named after a type (`"anthropic": {…}`) carries extras
 * for that type only; every other type leaves it out.
 */
export const PROVIDER_TYPES = ['openai-compatible', 'anthropic', 'gemini', 'sim'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

const providerId = z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'use letters, digits, "_", "." or "-" (no "/")');

/** Thinking budgets (tokens) that `reasoning_effort` low / medium / high stands for. */
const thinkingBudgets = z.strictObject({
  low: z.number().int().positive().default(1_024),
  medium: z.number().int().positive().default(4_096),
  high: z.number().int().positive().default(16_384),
});

/** What every provider entry may say. */
const common = {
  id: providerId,
  baseURL: z.url().optional(),
  apiKey: z.string().optional(),
  apiKeyEnv: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Upper bound on open connections to this upstream; unlimited by default (streams hold one each over HTTP/1.1). */
  maxConnections: z.number().int().positive().optional(),
  /**
   * Multiplex streams over HTTP/2: negotiated by TLS ALPN on an https baseURL
   * (HTTP/1.1 when the upstream does not offer h2), prior-knowledge h2c on an
   * http one. Off by default.
   */
  http2: z.boolean().optional(),
  /** A PEM file of certificate authorities to trust for this upstream besides the system's (a self-hosted model behind an internal CA). */
  caFile: z.string().min(1).optional(),
  /** The price of this provider's models that no alias prices (the simulator's default: free). */
  price: priceSchema.optional(),
  /** How long to wait for the upstream's response headers. */
  headersTimeoutMs: z.number().int().positive().optional(),
  /** Silence allowed between upstream bytes once it answered (default 60 s); longer ends the stream with `upstream_timeout`. */
  idleTimeoutMs: z.number().int().positive().optional(),
  /** Idle upstream connections tolerated before the pool is replaced (default 32), checked every `idleCheckMs` (default 30 s). */
  maxIdleConnections: z.number().int().nonnegative().optional(),
  idleCheckMs: z.number().int().positive().optional(),
  /** Requests, tokens and streams a minute across every key, to stay under the provider account's own limits. */
  limits: rateLimitsSchema.optional(),
};

const anthropic = z.strictObject({
  ...common,
  type: z.literal('anthropic'),
  /** Sent as `anthropic-version`. */
  anthropicVersion: z.string().min(1).default('2023-06-01'),
  /** `max_tokens` for requests that set none (Anthropic requires one), per upstream model, else `defaultMaxTokens`. */
  defaultMaxTokens: z.number().int().positive().default(4_096),
  maxTokensByModel: z.record(z.string(), z.number().int().positive()).default({}),
  thinkingBudgets: thinkingBudgets.prefault({}),
});

const gemini = z.strictObject({
  ...common,
  type: z.literal('gemini'),
  /** The path segment before `/models/…`. */
  apiVersion: z.string().regex(/^v[0-9a-z]+$/, 'a version such as "v1beta"').default('v1beta'),
  thinkingBudgets: thinkingBudgets.prefault({}),
});

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('openai-compatible') }),
  z.strictObject({ ...common, type: z.literal('sim') }),
  anthropic,
  gemini,
]);

export type ProviderConfig = z.output<typeof providerSchema>;
export type AnthropicProviderConfig = z.output<typeof anthropic>;
export type GeminiProviderConfig = z.output<typeof gemini>;
