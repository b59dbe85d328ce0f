import type { ProviderConfig } from '../config/schema.ts';
import { AnthropicProvider } from './anthropic/provider.ts';
import { GeminiProvider } from './gemini/provider.ts';
import { OpenAICompatibleProvider } from './openai-compatible/provider.ts';
import { SimProvider } from './sim/provider.ts';
import type { Provider } from './types.ts';

/** The one place a provider `type` becomes an implementation. */
export function createProvider(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): Provider {
  const apiKey = config.apiKey ?? (config.apiKeyEnv === undefined ? undefined : env[config.apiKeyEnv]);
  switch (config.type) {
    case 'sim':
      return new SimProvider(config.id, config.idleTimeoutMs);
    case 'openai-compatible':
      return new OpenAICompatibleProvider(config, apiKey);
    case 'anthropic':
      return new AnthropicProvider(config, apiKey);
    case 'gemini':
      return new GeminiProvider(config, apiKey);
  }
}

export function createProviders(configs: readonly ProviderConfig[], env: NodeJS.ProcessEnv = process.env): Map<string, Provider> {
  return new Map(configs.map((config) => [config.id, createProvider(config, env)]));
}
