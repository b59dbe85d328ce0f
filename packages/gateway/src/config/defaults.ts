import { DEFAULT_PRICES } from '@sluice/protocol';
import type { ModelAliasConfig, ProviderConfig } from './schema.ts';

/** The embedded default: the simulator, always present and free, unless a config names its own `sim`. */
export const SIM_PROVIDER: ProviderConfig = { id: 'sim', type: 'sim', price: { input: 0, output: 0 } };

/**
 * The seed article's model names answer out of the box, from the simulator,
 * at the seed's prices, so its example code runs against a fresh gateway;
 * and `auto` shows the cheap-vs-strong router on them.
 */
export function seedModelAliases(): ModelAliasConfig[] {
  const aliases: ModelAliasConfig[] = Object.entries(DEFAULT_PRICES).map(([name, price]) => ({ name, target: `sim/${name}`, price: { ...price }, strategy: 'weighted' }));
  return [...aliases, autoRouter('deepseek-v3.2', 'claude-sonnet-4.5')];
}

/**
 * The article's routing layer: simple queries to the cheap model, the
 * strong one for requests that need it (a hint, tools, a long prompt, or
 * words that ask for reasoning).
 */
function autoRouter(cheap: string, strong: string): ModelAliasConfig {
  return {
    name: 'auto',
    strategy: 'weighted',
    router: {
      rules: [
        { name: 'hint-cheap', hint: 'cheap', use: cheap },
        { name: 'hint-strong', hint: 'strong', use: strong },
        { name: 'tools', tools: true, use: strong },
        { name: 'long-prompt', minPromptTokens: 2_000, use: strong },
        { name: 'reasoning', lastUserMessage: '\\b(prove|debug|refactor|analy[sz]e|step by step|why)\\b', use: strong },
      ],
      default: cheap,
    },
  };
}
