import { defaultTextMapGetter, ROOT_CONTEXT, type Histogram, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { ProviderConfig } from '../config/provider-schema.ts';
import type { Settlement } from '../streams/generation.ts';
import { GenAiBuckets, GenAiMetric, OPERATION, providerName, timePerOutputToken } from './genai-conventions.ts';
import { OtelRequestTrace } from './request-trace.ts';
import type { TelemetrySettings } from './settings.ts';
import type { RequestStart, RequestTrace, Telemetry } from './types.ts';

const SCOPE = '@sluice/gateway';

/**
 * Telemetry through the official OpenTelemetry SDK, exported over OTLP/HTTP.
 * Its providers are this gateway's own, not registered globally, so two
 * gateways in one process (tests, an embedding application) keep apart.
 * This module is imported only when telemetry is enabled.
 */
export class OtelTelemetry implements Telemetry {
  readonly #tracerProvider: BasicTracerProvider | null;
  readonly #meterProvider: MeterProvider | null;
  readonly #tracer: Tracer | null;
  readonly #propagator = new W3CTraceContextPropagator();
  readonly #providerNames: ReadonlyMap<string, string>;
  readonly #captureContent: boolean;
  readonly #histograms: Record<keyof typeof GenAiMetric, Histogram> | null;

  constructor(settings: TelemetrySettings, providers: readonly ProviderConfig[]) {
    this.#captureContent = settings.captureContent;
    this.#providerNames = new Map(providers.map((p) => [p.id, providerName(p.type)]));
    const resource = resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName });
    const headers = settings.headers;
    if (settings.tracesUrl === null) {
      this.#tracerProvider = null;
      this.#tracer = null;
    } else {
      this.#tracerProvider = new BasicTracerProvider({
        resource,
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, headers }), { scheduledDelayMillis: 1000 })],
      });
      this.#tracer = this.#tracerProvider.getTracer(SCOPE);
    }
    if (settings.metricsUrl === null) {
      this.#meterProvider = null;
      this.#histograms = null;
    } else {
      const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: settings.metricsUrl, headers }), exportIntervalMillis: settings.metricIntervalMs });
      this.#meterProvider = new MeterProvider({ resource, readers: [reader] });
      const meter = this.#meterProvider.getMeter(SCOPE);
      const histogram = (key: keyof typeof GenAiMetric) =>
        meter.createHistogram(GenAiMetric[key].name, { unit: GenAiMetric[key].unit, description: GenAiMetric[key].description, advice: { explicitBucketBoundaries: [...GenAiBuckets[key]] } });
      this.#histograms = {
        timeToFirstToken: histogram('timeToFirstToken'),
        timePerOutputToken: histogram('timePerOutputToken'),
        requestDuration: histogram('requestDuration'),
        tokenUsage: histogram('tokenUsage'),
      };
    }
  }

  startRequest(start: RequestStart): RequestTrace | null {
    if (this.#tracer === null) return null;
    const parent = start.headers === undefined ? ROOT_CONTEXT : this.#propagator.extract(ROOT_CONTEXT, start.headers, defaultTextMapGetter);
    return new OtelRequestTrace({ tracer: this.#tracer, propagator: this.#propagator, parent, start, providerNames: this.#providerNames, captureContent: this.#captureContent });
  }

  settled(settlement: Settlement): void {
    const h = this.#histograms;
    if (h === null) return;
    const attributes: Record<string, string> = {
      'gen_ai.operation.name': OPERATION,
      'gen_ai.provider.name': this.providerNameOf(settlement.provider),
      'gen_ai.request.model': settlement.model,
    };
    if (settlement.responseModel !== null) attributes['gen_ai.response.model'] = settlement.responseModel;
    const failed = settlement.status !== 'done';
    h.requestDuration.record(settlement.durationMs / 1000, failed ? { ...attributes, 'error.type': settlement.error?.code ?? settlement.status } : attributes);
    h.tokenUsage.record(settlement.usage.prompt_tokens, { ...attributes, 'gen_ai.token.type': 'input' });
    h.tokenUsage.record(settlement.usage.completion_tokens, { ...attributes, 'gen_ai.token.type': 'output' });
    // The two latency metrics are for successful responses only, as the conventions define them.
    if (failed) return;
    if (settlement.ttftMs !== null) h.timeToFirstToken.record(settlement.ttftMs / 1000, attributes);
    const perToken = timePerOutputToken(settlement.ttftMs, settlement.durationMs, settlement.usage.completion_tokens);
    if (perToken !== null) h.timePerOutputToken.record(perToken, attributes);
  }

  providerNameOf(providerId: string | null): string {
    return (providerId === null ? undefined : this.#providerNames.get(providerId)) ?? '_OTHER';
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.#tracerProvider?.shutdown(), this.#meterProvider?.shutdown()]);
  }
}
