import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import { countPromptTokens } from '../../streams/usage-meter.ts';
import { readSimControls, type SimControls } from './controls.ts';
import { hashString, seededRandom } from './random.ts';

const WORDS = (
  'the a stream token river gate water flows through narrow channel quietly steady bright signal packet ' +
  'server client resume cursor sequence latency budget model prompt answer reason careful simple honest ' +
  'measure every byte arrives once order kept never lost nor twice under load across proxies and replicas'
).split(' ');

/** Split a given text into word-sized tokens whose concatenation is the text exactly. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** The tokens the simulator streams for a request: deterministic in (model, messages, seed, count). */
export function simTokens(body: ChatCompletionRequest, controls: SimControls = readSimControls(body)): string[] {
  if (controls.text !== undefined) return splitIntoTokens(controls.text);
  const next = seededRandom(hashString(`${body.model}\u0000${JSON.stringify(body.messages)}\u0000${controls.seed}`));
  const tokens: string[] = [];
  for (let i = 0; i < controls.tokens; i++) {
    const word = WORDS[Math.floor(next() * WORDS.length)];
    tokens.push(i === 0 ? word[0].toUpperCase() + word.slice(1) : ` ${word}`);
  }
  return tokens;
}

/** The full text the simulator produces for a request. */
export function simText(body: ChatCompletionRequest): string {
  return simTokens(body).join('');
}

/** Prompt tokens, counted as the gateway's meter counts them. */
export const simPromptTokens = countPromptTokens;

/** How a simulated answer finishes: as its controls say, else with its tool calls, else a natural stop. */
export function simFinishReason(controls: SimControls): string {
  return controls.finish ?? (controls.toolCalls?.length ? 'tool_calls' : 'stop');
}

/** The usage of a simulated answer: its prompt, what it generated, and the cache and reasoning detail the controls ask for. */
export function simUsage(body: ChatCompletionRequest, controls: SimControls, completionTokens: number, reasoningTokens: number): Usage {
  const prompt = simPromptTokens(body);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
  if (reasoningTokens > 0) usage.completion_tokens_details = { reasoning_tokens: reasoningTokens };
  if (controls.cachedTokens !== undefined || controls.cacheWriteTokens !== undefined) {
    const cached = Math.min(prompt, controls.cachedTokens ?? 0);
    const written = Math.min(prompt - cached, controls.cacheWriteTokens ?? 0);
    usage.prompt_tokens_details = controls.cacheWriteTokens === undefined ? { cached_tokens: cached } : { cached_tokens: cached, cache_write_tokens: written };
  }
  return usage;
}

/** The error body the simulator answers with for a faulted status, in OpenAI's shape. */
export function simErrorBody(status: number): string {
  return JSON.stringify({ error: { message: `simulated upstream error ${status}`, type: 'server_error', param: null, code: null } });
}
