import { createRequire } from 'node:module';

type CountTokens = (text: string) => number;

let count: CountTokens | undefined;

/**
 * Tokens in a text, with a real tokenizer (`gpt-tokenizer`, o200k). Its
 * tables take megabytes and a noticeable moment to load, and a gateway whose
 * upstreams report usage never needs them, so they load on first use.
 *
 * Special-token strings (`<|endoftext|>`, `<|im_start|>`) in a text are
 * counted as the plain text they are, as OpenAI counts a user's message that
 * mentions them: gpt-tokenizer's own default throws on them instead.
 */
export function countTokens(text: string): number {
  if (text.length > SHORT) return countLong(text);
  let tokens = counted.get(text);
  if (tokens === undefined) {
    if (counted.size >= MAX_COUNTED) counted.clear();
    counted.set(text, (tokens = countLong(text)));
  }
  return tokens;
}

/**
 * Stream deltas are short (a word or two) and the same ones come back all
 * the time; a budget counts every one as it passes. Their counts are kept,
 * so most cost a map lookup instead of the tokenizer.
 */
const SHORT = 24;
const MAX_COUNTED = 4096;
const counted = new Map<string, number>();

function countLong(text: string): number {
  count ??= loadTokenizer();
  if (!LONG_RUN.test(text)) return count(text);
  // Byte-pair merging is quadratic in the length of a run without spaces: 40,000 × "x" takes seconds,
  // a 16 MiB one would stall the gateway for hours. Such runs are counted MAX_RUN characters at a time.
  let total = 0;
  let start = 0;
  for (const cut of text.matchAll(RUN_PIECE)) {
    const end = cut.index + cut[0].length;
    total += count(text.slice(start, end));
    start = end;
  }
  return total + count(text.slice(start));
}

/** Load the tables now rather than at the first count (the live feed does, as its first reader connects). */
export function preloadTokenizer(): void {
  count ??= loadTokenizer();
}

/**
 * No special token is disallowed and none is allowed: gpt-tokenizer then
 * neither throws nor reads one as its single token, and its split regex
 * meets `<|endoftext|>` as it meets any text. A constant, so a count makes no
 * Set (an inline `new Set()` would; so does gpt-tokenizer itself, copying
 * its set of special tokens, for `'all'` or a missing `disallowedSpecial`).
 */
const PLAIN = { disallowedSpecial: new Set<string>() };

function loadTokenizer(): CountTokens {
  const tokenizer = createRequire(import.meta.url)('gpt-tokenizer') as { countTokens(text: string, options: typeof PLAIN): number };
  return (text) => tokenizer.countTokens(text, PLAIN);
}

/** The longest run of non-space characters counted in one piece; real words are far shorter. */
const MAX_RUN = 32;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1}}`, 'u');
/** MAX_RUN characters (code points, so no pair is split) of a run that goes on: the text is cut after each. */
const RUN_PIECE = new RegExp(`\\S{${MAX_RUN}}(?=\\S)`, 'gu');
