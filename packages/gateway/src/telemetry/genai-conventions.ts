import type { ProviderType } from '../config/provider-schema.ts';

/**
 * Names and bucket boundaries from the OpenTelemetry GenAI semantic
 * conventions, shared by the OTLP exporter and the Prometheus endpoint so both
 * describe the same histograms.
 */
export const GenAiMetric = {
  timeToFirstToken: { name: 'gen_ai.server.time_to_first_token', unit: 's', description: 'Time to generate first token for successful responses.' },
  timePerOutputToken: { name: 'gen_ai.server.time_per_output_token', unit: 's', description: 'Time per output token generated after the first token for successful responses.' },
  requestDuration: { name: 'gen_ai.server.request.duration', unit: 's', description: 'Generative AI server request duration such as time-to-last byte or last output token.' },
  tokenUsage: { name: 'gen_ai.client.token.usage', unit: '{token}', description: 'Number of input and output tokens used.' },
} as const;

export const GenAiBuckets = {
  timeToFirstToken: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0],
  timePerOutputToken: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5],
  requestDuration: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  tokenUsage: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
} as const;

/** Every request sluice serves is a chat completion underneath, whatever API it came through. */
export const OPERATION = 'chat';

/** `gen_ai.provider.name` for a provider type: the conventions' well-known names, or `sluice.sim` for the simulator. */
export function providerName(type: ProviderType | undefined): string {
  switch (type) {
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
      return 'gcp.gemini';
    case 'openai-compatible':
      return 'openai';
    case 'sim':
      return 'sluice.sim';
    default:
      return '_OTHER';
  }
}

/** Seconds per output token after the first, or null when there is nothing to divide. */
export function timePerOutputToken(ttftMs: number | null, durationMs: number, outputTokens: number): number | null {
  if (ttftMs === null || outputTokens < 2) return null;
  return Math.max(0, durationMs - ttftMs) / 1000 / (outputTokens - 1);
}
