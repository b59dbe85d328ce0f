import type { ChatCompletionRequest } from '@sluice/protocol';
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
export { countPromptTokens as simPromptTokens } from '../../streams/usage-meter.ts';

/** The error body the simulator answers with for a faulted status, in OpenAI's shape. */
export function simErrorBody(status: number): string {
  return JSON.stringify({ error: { message: `simulated upstream error ${status}`, type: 'server_error', param: null, code: null } });
}
