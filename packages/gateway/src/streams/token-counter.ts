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
  if (!mayHoldLongRun(text)) return count(text);
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

interface GptTokenizer {
  countTokens(text: string, options: typeof PLAIN): number;
  default?: { bytePairEncodingCoreProcessor?: unknown };
}

let byPieces = false;

function loadTokenizer(): CountTokens {
  const tokenizer = createRequire(import.meta.url)('gpt-tokenizer') as GptTokenizer;
  const publicCount: CountTokens = (text) => tokenizer.countTokens(text, PLAIN);
  const pieceCount = pieceCounter(tokenizer.default?.bytePairEncodingCoreProcessor, publicCount);
  byPieces = pieceCount !== undefined;
  return pieceCount ?? publicCount;
}

/** Whether counts go through the piece cache; false when gpt-tokenizer's internals were not as expected. */
export function countsByPieces(): boolean {
  preloadTokenizer();
  return byPieces;
}

/** The longest run of non-space characters counted in one piece; real words are far shorter. */
const MAX_RUN = 32;
/** MAX_RUN characters (code points, so no pair is split) of a run that goes on: the text is cut after each. */
const RUN_PIECE = new RegExp(`\\S{${MAX_RUN}}(?=\\S)`, 'gu');

/**
 * Whether a text may hold a run of more than MAX_RUN non-space characters.
 * A pass over its char codes: the regex (`\\S{33}`) retried at each
 * character of each word, and took 19 µs for 1,300 characters of prose
 * against 3 µs here. Only ASCII whitespace ends a run here and a surrogate
 * pair counts as two, so this may say yes to a text without such a run
 * (RUN_PIECE then finds nothing to cut), never no to one with.
 */
function mayHoldLongRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13)) run = 0;
    else if (++run > MAX_RUN) return true;
  }
  return false;
}

/**
 * The part of gpt-tokenizer (4.0.0, `BytePairEncodingCore`, the
 * `bytePairEncodingCoreProcessor` of its default export) the piece cache
 * reads: its split regex and the two steps of `countNative` for each piece
 * the regex yields. They are private in its types, so they are checked at
 * load, and the counts compared with the public count on a few texts.
 */
interface BytePairCore {
  tokenSplitRegex: RegExp;
  getBpeRankFromString(piece: string): number | undefined;
  bytePairEncode(piece: string): number[];
}

/**
 * Pieces (what the split regex yields: a word with the space or mark before
 * it, up to three digits, a run of punctuation, of spaces or of newlines)
 * whose counts are kept. The tokenizer's rank map has 200,000 entries, and a
 * busy gateway evicts it from the CPU's caches between two requests: a short
 * prompt took 20 to 50 µs to count there, against 2 to 4 in a tight loop. The
 * common pieces of prompts and answers (a few thousand) stay here instead, a
 * map small enough to stay cached. Bounded in entries and, since a piece can
 * be long, in length (long pieces are rare and would crowd out the rest).
 */
const MAX_PIECES = 8192;
const MAX_PIECE_LENGTH = 32;

/**
 * The cut of long runs above does not bound every piece: a run of spaces,
 * tabs or newlines is one piece, and so is punctuation followed by `/` and
 * newlines (`!/\n/\n/\n…`); byte-pair merging is quadratic in a piece
 * (100,000 spaces took 4 s, as much mixed whitespace 12 s, and a body may
 * hold 16 MiB). A longer piece is counted LONGEST_PIECE code points at a
 * time, within a few tokens of its count; indentation and blank lines are
 * far shorter. The public count (the fallback) sees no pieces and keeps only
 * the cut of non-space runs.
 */
const LONGEST_PIECE = 64;
const CHUNK = new RegExp(`[\\s\\S]{1,${LONGEST_PIECE}}`, 'gu');

/**
 * A count equal to gpt-tokenizer's by construction: with no special token
 * allowed, its `countNative` is the sum, over the pieces its split regex
 * yields, of 1 for a piece in the rank map and else the length of the
 * piece's byte-pair encoding. This sums the same, keeping the counts of short
 * pieces (and cutting pieces over LONGEST_PIECE). Undefined when the internals are not as expected (another
 * version): the public count is used then, as exact and slower.
 */
function pieceCounter(core: unknown, publicCount: CountTokens): CountTokens | undefined {
  if (!isBytePairCore(core)) return undefined;
  const { source, flags } = core.tokenSplitRegex;
  // A copy: its lastIndex is ours (matchAll, as gpt-tokenizer uses it, copies the regex on each call instead).
  const split = new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
  const pieces = new Map<string, number>();
  const countPiece = (piece: string): number => (core.getBpeRankFromString(piece) !== undefined ? 1 : core.bytePairEncode(piece).length);
  const countText: CountTokens = (text) => {
    let total = 0;
    split.lastIndex = 0;
    for (let match = split.exec(text); match !== null; match = split.exec(text)) {
      const piece = match[0];
      if (piece.length === 0) {
        // The regex never matches nothing; were it to, step a code point on, as matchAll does.
        split.lastIndex += (text.codePointAt(split.lastIndex) ?? 0) > 0xffff ? 2 : 1;
        continue;
      }
      if (piece.length > MAX_PIECE_LENGTH) {
        total += piece.length > LONGEST_PIECE ? countInChunks(piece) : countPiece(piece);
        continue;
      }
      let tokens = pieces.get(piece);
      if (tokens === undefined) {
        if (pieces.size >= MAX_PIECES) pieces.clear();
        pieces.set(piece, (tokens = countPiece(piece)));
      }
      total += tokens;
    }
    return total;
  };
  const countInChunks = (piece: string): number => {
    let total = 0;
    for (const [chunk] of piece.matchAll(CHUNK)) total += countPiece(chunk);
    return total;
  };
  for (const probe of PROBES) if (countText(probe) !== publicCount(probe)) return undefined;
  return countText;
}

function isBytePairCore(core: unknown): core is BytePairCore {
  const candidate = core as Partial<BytePairCore> | null | undefined;
  return candidate?.tokenSplitRegex instanceof RegExp && typeof candidate.getBpeRankFromString === 'function' && typeof candidate.bytePairEncode === 'function';
}

/** Texts with each kind of piece, on which the piece count must equal the public one before it is used. */
const PROBES = [
  "Hello, world! It's 2025: naïve café, ÉCOLE d'été, 水の流れ 🌊🌊.\n\n\tcode(x) => x ** 2;   <|endoftext|>",
  'ЗДРАВСТВУЙ мир 1234567 ____ \r\n  end  ',
];
