import type { SluiceConfig } from '../config/schema.ts';
import { telemetrySettings } from './settings.ts';
import type { Telemetry } from './types.ts';

/**
 * The gateway's telemetry, or null when it is off. The OpenTelemetry SDK is
 * imported here, on demand, so a gateway without telemetry never loads it.
 */
export async function loadTelemetry(config: SluiceConfig, env: NodeJS.ProcessEnv): Promise<Telemetry | null> {
  const settings = telemetrySettings(config.otel, env);
  if (settings === null) return null;
  const { OtelTelemetry } = await import('./otel-telemetry.ts');
  return new OtelTelemetry(settings, config.providers);
}
