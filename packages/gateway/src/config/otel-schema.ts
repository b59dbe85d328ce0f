import { z } from 'zod';

/**
 * The `otel` section. Every field can also come from the standard OTEL_*
 * environment variables; a field set here wins over its variable.
 */
export const otelSchema = z.strictObject({
  /** On or off; when absent, on as soon as OTEL_EXPORTER_OTLP_ENDPOINT (or its traces/metrics form) is set. */
  enabled: z.boolean().optional(),
  /** The collector's OTLP/HTTP base URL; `/v1/traces` and `/v1/metrics` are appended. */
  endpoint: z.url().optional(),
  /** Extra headers for the collector (an auth token, say). */
  headers: z.record(z.string(), z.string()).optional(),
  serviceName: z.string().min(1).optional(),
  /** Share of new traces recorded, 0 to 1; a client's sampled traceparent is always followed. */
  sampleRatio: z.number().min(0).max(1).optional(),
  /** How often metrics are exported. */
  metricIntervalMs: z.number().int().positive().optional(),
  /** Put prompts and completions on spans (`gen_ai.input.messages`, `gen_ai.output.messages`). Off: content never leaves the gateway. */
  captureContent: z.boolean().default(false),
});

export type OtelConfig = z.output<typeof otelSchema>;
