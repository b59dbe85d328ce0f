import { Histogram, type Registry } from 'prom-client';
import type { Settlement } from '../streams/generation.ts';
import { GenAiBuckets, GenAiMetric, OPERATION, timePerOutputToken } from '../telemetry/genai-conventions.ts';

const LABELS = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'sluice_deployment'] as const;

/**
 * The GenAI semantic conventions' histograms on the Prometheus endpoint, with
 * the same buckets as the OTLP export: names with dots as underscores and
 * their unit as a suffix (`gen_ai_server_time_to_first_token_seconds`).
 * Labels come from bounded sets: the model label, a configured provider's
 * name, a deployment the config names (or `<provider>/other`).
 */
export class GenAiHistograms {
  readonly #ttft: Histogram<(typeof LABELS)[number]>;
  readonly #perToken: Histogram<(typeof LABELS)[number]>;
  readonly #duration: Histogram<(typeof LABELS)[number] | 'error_type'>;
  readonly #tokens: Histogram<(typeof LABELS)[number] | 'gen_ai_token_type'>;
  readonly #modelLabel: (model: string) => string;
  readonly #providerName: (providerId: string | null) => string;

  constructor(registry: Registry, modelLabel: (model: string) => string, providerName: (providerId: string | null) => string) {
    this.#modelLabel = modelLabel;
    this.#providerName = providerName;
    const registers = [registry];
    this.#ttft = new Histogram({ name: 'gen_ai_server_time_to_first_token_seconds', help: GenAiMetric.timeToFirstToken.description, labelNames: LABELS, buckets: [...GenAiBuckets.timeToFirstToken], registers });
    this.#perToken = new Histogram({ name: 'gen_ai_server_time_per_output_token_seconds', help: GenAiMetric.timePerOutputToken.description, labelNames: LABELS, buckets: [...GenAiBuckets.timePerOutputToken], registers });
    this.#duration = new Histogram({ name: 'gen_ai_server_request_duration_seconds', help: GenAiMetric.requestDuration.description, labelNames: [...LABELS, 'error_type'], buckets: [...GenAiBuckets.requestDuration], registers });
    this.#tokens = new Histogram({ name: 'gen_ai_client_token_usage', help: GenAiMetric.tokenUsage.description, labelNames: [...LABELS, 'gen_ai_token_type'], buckets: [...GenAiBuckets.tokenUsage], registers });
  }

  settled(s: Settlement): void {
    const labels = {
      gen_ai_operation_name: OPERATION,
      gen_ai_provider_name: this.#providerName(s.provider),
      gen_ai_request_model: this.#modelLabel(s.model),
      sluice_deployment: s.target === null ? 'none' : this.#modelLabel(s.target),
    };
    const failed = s.status !== 'done';
    this.#duration.observe({ ...labels, error_type: failed ? (s.error?.code ?? s.status) : '' }, s.durationMs / 1000);
    this.#tokens.observe({ ...labels, gen_ai_token_type: 'input' }, s.usage.prompt_tokens);
    this.#tokens.observe({ ...labels, gen_ai_token_type: 'output' }, s.usage.completion_tokens);
    if (failed) return;
    if (s.ttftMs !== null) this.#ttft.observe(labels, s.ttftMs / 1000);
    const perToken = timePerOutputToken(s.ttftMs, s.durationMs, s.usage.completion_tokens);
    if (perToken !== null) this.#perToken.observe(labels, perToken);
  }
}
