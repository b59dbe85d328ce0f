import type { ChatCompletionRequest } from '@sluice/protocol';
import { PROVIDER_TYPES, type ProviderType } from '../../config/schema.ts';
import { UntranslatableError } from './untranslatable.ts';

/**
 * OpenAI fields that never change what the model writes (the end user's id,
 * cache and storage hints, how the gateway streams): a provider with no
 * such field leaves them out.
 */
const HINTS = new Set(['stream', 'stream_options', 'user', 'metadata', 'prompt_cache_key', 'safety_identifier']);

/**
 * OpenAI fields a provider without them may leave out only at the value
 * that asks for nothing: `n: 1`, `logprobs: false`, a zero penalty, …
 */
const NEUTRAL: Readonly<Record<string, (value: unknown) => boolean>> = {
  n: (value) => value === 1,
  logprobs: (value) => value === false,
  top_logprobs: (value) => value === 0,
  presence_penalty: (value) => value === 0,
  frequency_penalty: (value) => value === 0,
  logit_bias: (value) => typeof value === 'object' && value !== null && Object.keys(value).length === 0,
  parallel_tool_calls: (value) => value === true,
  store: (value) => value === false,
  service_tier: (value) => value === 'auto' || value === 'default',
  modalities: (value) => Array.isArray(value) && value.length === 1 && value[0] === 'text',
};

/**
 * Refuses, naming the field, anything in `request` that `provider` cannot be
 * given: a field it does not translate (`translated`) unless it is a hint or
 * asks for nothing, and any field sluice does not know. Extras under a
 * provider type's name (`"gemini": {…}`) are that type's business.
 */
export function checkTranslatable(request: ChatCompletionRequest, translated: ReadonlySet<string>, provider: ProviderType, label: string): void {
  for (const [field, value] of Object.entries(request)) {
    if (value === undefined || value === null || translated.has(field) || HINTS.has(field)) continue;
    if ((PROVIDER_TYPES as readonly string[]).includes(field)) continue;
    const neutral = NEUTRAL[field];
    if (neutral === undefined) throw new UntranslatableError(field, `${label} has no such field; provider-specific fields go under "${provider}": {…}`);
    if (!neutral(value)) throw new UntranslatableError(field, `${label} cannot do this (${JSON.stringify(value).slice(0, 40)})`);
  }
}
