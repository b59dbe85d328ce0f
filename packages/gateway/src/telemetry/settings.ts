import type { OtelConfig } from '../config/otel-schema.ts';

/** Where and how telemetry is exported, once the config and the OTEL_* variables are read together. */
export interface TelemetrySettings {
  /** Full OTLP/HTTP URLs; null turns that signal off (OTEL_TRACES_EXPORTER=none, say). */
  tracesUrl: string | null;
  metricsUrl: string | null;
  headers: Record<string, string>;
  serviceName: string;
  /** From OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Record<string, string>;
  sampleRatio: number;
  metricIntervalMs: number;
  captureContent: boolean;
}

/**
 * Telemetry settings, or null when telemetry is off: the default, so a
 * gateway nobody configured for it loads no OpenTelemetry code at all.
 * Follows the OpenTelemetry SDK's environment variables for the parts sluice
 * uses: endpoints (generic and per signal), headers, service name, resource
 * attributes, exporters `none`, sampler ratio, metric export interval,
 * OTEL_SDK_DISABLED.
 */
export function telemetrySettings(config: OtelConfig, env: NodeJS.ProcessEnv): TelemetrySettings | null {
  const base = config.endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = env.OTEL_TRACES_EXPORTER === 'none' ? null : config.endpoint !== undefined ? signalUrl(config.endpoint, 'traces') : (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? null : signalUrl(base, 'traces')));
  const metricsUrl = env.OTEL_METRICS_EXPORTER === 'none' ? null : config.endpoint !== undefined ? signalUrl(config.endpoint, 'metrics') : (env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? (base === undefined ? null : signalUrl(base, 'metrics')));
  const enabled = config.enabled ?? (env.OTEL_SDK_DISABLED !== 'true' && (tracesUrl !== null || metricsUrl !== null));
  if (!enabled) return null;
  // Enabled with no endpoint anywhere: the collector's default local address, as the SDK does.
  const fallback = 'http://localhost:4318';
  return {
    tracesUrl: tracesUrl ?? (env.OTEL_TRACES_EXPORTER === 'none' ? null : signalUrl(fallback, 'traces')),
    metricsUrl: metricsUrl ?? (env.OTEL_METRICS_EXPORTER === 'none' ? null : signalUrl(fallback, 'metrics')),
    headers: { ...parseList(env.OTEL_EXPORTER_OTLP_HEADERS), ...config.headers },
    serviceName: config.serviceName ?? env.OTEL_SERVICE_NAME ?? 'sluice',
    resourceAttributes: parseList(env.OTEL_RESOURCE_ATTRIBUTES),
    sampleRatio: config.sampleRatio ?? samplerRatio(env),
    metricIntervalMs: config.metricIntervalMs ?? positive(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000,
    captureContent: config.captureContent,
  };
}

function signalUrl(base: string, signal: 'traces' | 'metrics'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** `key=value,key2=value2`, values percent-decoded, as the OTEL_* list variables are written. */
function parseList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      out[key] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

/** OTEL_TRACES_SAMPLER `always_off` / `*traceidratio` with OTEL_TRACES_SAMPLER_ARG; anything else records every trace. */
function samplerRatio(env: NodeJS.ProcessEnv): number {
  const sampler = env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
  if (sampler.endsWith('always_off')) return 0;
  if (!sampler.endsWith('traceidratio')) return 1;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  return Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1;
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
