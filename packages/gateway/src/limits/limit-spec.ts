import { z } from 'zod';

/**
 * What a limit says, wherever it is written: on a key, a team, a model alias
 * or a provider. Rates are per minute, refilled continuously (OpenAI's
 * semantics); `concurrency` counts running streams.
 */
export const rateLimitsSchema = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
});

export const budgetSchema = z.strictObject({
  usd: z.number().positive(),
  period: z.enum(['day', 'month', 'total']),
});

/** Keys and teams may also carry a budget and a queue for requests over their rate or concurrency. */
export const keyLimitsSchema = rateLimitsSchema.extend({
  budget: budgetSchema.optional(),
  queue: z.strictObject({ maxWaitMs: z.number().int().positive() }).optional(),
});

export type RateLimits = z.output<typeof rateLimitsSchema>;
export type Budget = z.output<typeof budgetSchema>;
export type KeyLimits = z.output<typeof keyLimitsSchema>;
