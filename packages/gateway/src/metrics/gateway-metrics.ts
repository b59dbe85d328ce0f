import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Settlement } from '../streams/generation.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { StreamLogStore } from '../streams/store/types.ts';
import { GenAiHistograms } from './genai-histograms.ts';

/**
 * Prometheus metrics, one registry per gateway. Everything is counted when a
 * stream settles, never per token, so the hot path pays nothing for it.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #modelLabel: (model: string) => string;
  readonly #streams = new Counter({
    name: 'sluice_streams_total',
    help: 'Streams that ended, by status, model (configured aliases and their targets by name, any other model as <provider>/other) and the endpoint they came through.',
    labelNames: ['status', 'model', 'endpoint'],
    registers: [this.registry],
  });
  readonly #events = new Counter({ name: 'sluice_stream_events_total', help: 'Numbered events streamed (chunks and ends).', registers: [this.registry] });
  readonly #tokens = new Counter({ name: 'sluice_tokens_total', help: 'Tokens billed, by kind.', labelNames: ['kind'], registers: [this.registry] });
  readonly #cost = new Counter({ name: 'sluice_cost_usd_total', help: 'US dollars billed.', registers: [this.registry] });
  readonly #retries = new Counter({ name: 'sluice_upstream_retries_total', help: 'Upstream attempts retried or failed over before the first token.', registers: [this.registry] });
  readonly #failOpen = new Counter({
    name: 'sluice_limits_fail_open_total',
    help: 'Requests admitted uncounted because the limit store was unreachable (limits.failMode "open").',
    registers: [this.registry],
  });
  readonly #ttft = new Histogram({
    name: 'sluice_time_to_first_token_seconds',
    help: 'Time from request to the first generated token.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  readonly #genAi: GenAiHistograms;

  /** `modelLabel` maps the model a client asked for to a label from a bounded set; `providerName` a provider id to its `gen_ai.provider.name`. */
  constructor(ctx: { registry: StreamRegistry; store: StreamLogStore; modelLabel: (model: string) => string; providerName: (providerId: string | null) => string }) {
    this.#modelLabel = ctx.modelLabel;
    this.#genAi = new GenAiHistograms(this.registry, ctx.modelLabel, ctx.providerName);
    new Gauge({ name: 'sluice_streams_running', help: 'Streams running on this replica.', registers: [this.registry], collect() { this.set(ctx.registry.running); } });
    const store = ctx.store as { commandsSent?: number };
    if (store.commandsSent !== undefined) {
      new Gauge({ name: 'sluice_redis_commands_total', help: 'Redis commands the stream store has sent.', registers: [this.registry], collect() { this.set(store.commandsSent ?? 0); } });
    }
  }

  limitsFailedOpen(): void {
    this.#failOpen.inc();
  }

  settled(settlement: Settlement): void {
    this.#streams.inc({ status: settlement.status, model: this.#modelLabel(settlement.model), endpoint: settlement.api });
    this.#events.inc(settlement.events);
    this.#tokens.inc({ kind: 'prompt' }, settlement.usage.prompt_tokens);
    this.#tokens.inc({ kind: 'completion' }, settlement.usage.completion_tokens);
    this.#cost.inc(settlement.usage.cost ?? 0);
    this.#retries.inc(settlement.retries);
    if (settlement.ttftMs !== null) this.#ttft.observe(settlement.ttftMs / 1000);
    this.#genAi.settled(settlement);
  }
}
