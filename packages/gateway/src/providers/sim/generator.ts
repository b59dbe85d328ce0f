import type { ChatCompletionRequest, Usage } from '@sluice/protocol';
import { countPromptTokens } from '../../streams/usage-meter.ts';
import { readSimControls, type SimControls } from './controls.ts';
import { OPENERS, PASSAGES } from './corpus.ts';
import { hashString, seededRandom } from './random.ts';

/** Split a given text into word-sized tokens whose concatenation is the text exactly. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * The tokens the simulator streams for a request: deterministic in (model,
 * messages, seed, count). Each token is a word of the corpus (with the space
 * before it): an opening line, then the passage the request's random stream
 * picks, read on through the passages after it.
 */
export function simTokens(body: ChatCompletionRequest, controls: SimControls = readSimControls(body)): string[] {
  if (controls.text !== undefined) return splitIntoTokens(controls.text);
  const next = seededRandom(hashString(`${body.model}\u0000${JSON.stringify(body.messages)}\u0000${controls.seed}`));
  const tokens: string[] = [];
  const say = (sentence: string): boolean => {
    for (const word of fillIn(sentence, next).split(' ')) {
      if (tokens.length === controls.tokens) return false;
      tokens.push(tokens.length === 0 ? word : ` ${word}`);
    }
    return tokens.length < controls.tokens;
  };
  if (!say(OPENERS[Math.floor(next() * OPENERS.length)])) return tokens;
  for (let passage = Math.floor(next() * PASSAGES.length); ; passage++) {
    for (const sentence of PASSAGES[passage % PASSAGES.length]) if (!say(sentence)) return tokens;
  }
}

/** A corpus sentence with its `{a|b}` choices and `{lo-hi}` numbers picked (innermost first). */
function fillIn(sentence: string, next: () => number): string {
  let text = sentence;
  for (let slot = /\{([^{}]*)\}/.exec(text); slot !== null; slot = /\{([^{}]*)\}/.exec(text)) {
    const range = /^(\d+)-(\d+)$/.exec(slot[1]);
    const options = slot[1].split('|');
    const value = range === null ? options[Math.floor(next() * options.length)] : String(Number(range[1]) + Math.floor(next() * (Number(range[2]) - Number(range[1]) + 1)));
    text = text.slice(0, slot.index) + value + text.slice(slot.index + slot[0].length);
  }
  return text;
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
