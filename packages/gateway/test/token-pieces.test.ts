/**
 * The gateway counts tokens piece by piece (the pieces of the tokenizer's
 * split regex), keeping the counts of short pieces so that a busy gateway
 * does not read the tokenizer's 200,000-entry rank map for every word. The
 * count must stay gpt-tokenizer's own, exactly: compared here on thousands
 * of generated texts of every kind of piece, each counted cold and again
 * from the cache, and through enough distinct pieces that the cache fills
 * and starts over.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens as tokenizer } from 'gpt-tokenizer';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { countsByPieces, countTokens } from '../src/streams/token-counter.ts';

const NONE = new Set<string>();
/** gpt-tokenizer's count, with special-token strings as plain text (as the gateway counts them). */
const reference = (text: string): number => tokenizer(text, { disallowedSpecial: NONE });

/** The gateway's documented guard: a run of more than 32 non-space characters is counted 32 code points at a time. */
function runCuts(text: string): string[] {
  const slices: string[] = [];
  let start = 0;
  for (const cut of text.matchAll(/\S{32}(?=\S)/gu)) {
    const end = cut.index + cut[0].length;
    slices.push(text.slice(start, end));
    start = end;
  }
  return [...slices, text.slice(start)];
}

/** The longest piece gpt-tokenizer's split regex makes of a text's slices: past 64 characters, the gateway counts a piece in parts. */
function longestPiece(slices: readonly string[]): number {
  let longest = 0;
  for (const slice of slices) for (const [piece] of slice.matchAll(O200K_TOKEN_SPLIT_REGEX)) longest = Math.max(longest, piece.length);
  return longest;
}

/** Where the gateway cuts pieces of more than 64 characters (code points) into parts. */
function pieceCuts(slices: readonly string[]): number {
  let cuts = 0;
  for (const slice of slices) for (const [piece] of slice.matchAll(O200K_TOKEN_SPLIT_REGEX)) if (piece.length > 64) cuts += Math.ceil([...piece].length / 64) - 1;
  return cuts;
}

/** A small deterministic generator (mulberry32), so a failure names a text that comes back. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS: Record<string, readonly string[]> = {
  english: ['The', 'quick', 'brown', 'fox', "don't", "I'LL", "we've", 'rivers', 'Explain', 'quantum', 'computing', 'simply.', 'Hello,', 'world!', 'McDonald', 'iPhone', 'naïve', 'café', 'ÉCOLE', "l'été", 'Straße', 'ΑΘΗΝΑ', 'Москва', 'привет'],
  code: ['const x = f(a, b);', 'if (n <= 0) return;', '=> {', '});', '#include <stdio.h>', 'def main():', '    return None', 'a[i] += 1', '/* note */', '// TODO', 'https://example.com/a/b?q=1&r=2', 'foo_bar_baz', '0x1F', '${name}', '`tpl`', '!==', '::', '...', '/usr/local/bin/'],
  cjk: ['水', '水の流れ', '東京都', '我们的', '한국어', 'テスト', '中文字符串', '、。', '「引用」'],
  emoji: ['🌊', '🌊🌊🌊', '👍🏽', '👩‍👩‍👧', '🇫🇷', '❤️', '✨', '🤖🦀'],
  other: ['مرحبا', 'שלום', 'नमस्ते', 'ก่อน', 'e\u0301', 'a\u0308\u0304', '\u00a0', '\u200b', '\ud800', '\udc00x', '\ufeff'],
  digits: ['1', '12', '123', '1234', '1234567', '3.14159', '-42', '2025-12-01', '1,000,000', '٣٤٥', '①②'],
  specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|im_sep|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>', '<|endoftext', 'endoftext|>', '<||>'],
  punctuation: ['!!!', '?!', '---', '***', '"', "'", '((', '))', '—', '…', '/\n/\n', '!\r\n', ';\n\n'],
};
const KINDS = Object.keys(FRAGMENTS);
const SEPARATORS = ['', ' ', ' ', ' ', '  ', '\n', '\r\n', '\n\n', '\t', ' \n ', '\u3000', '\u00a0'];

function whitespaceRun(next: () => number): string {
  const chars = [' ', ' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000'];
  return Array.from({ length: 1 + Math.floor(next() * 64) }, () => chars[Math.floor(next() * chars.length)]).join('');
}

function longRun(next: () => number): string {
  const alphabet = ['x', 'é', '水', '🌊', 'A', '1', '/', '_', 'b'];
  const pick = alphabet.slice(Math.floor(next() * 5), 5 + Math.floor(next() * 4));
  return Array.from({ length: 20 + Math.floor(next() * 90) }, () => pick[Math.floor(next() * pick.length)]).join('');
}

/** The same letters in another case count differently ("QUICK" is more tokens than "quick"). */
function recase(fragment: string, roll: number): string {
  if (roll < 0.15) return fragment.toUpperCase();
  if (roll < 0.3) return fragment.toLowerCase();
  return fragment;
}

/** Texts of 1 to 24 fragments of mixed kinds, joined by mixed separators (or none, so pieces run across). */
function corpus(size: number, seed: number): string[] {
  const next = random(seed);
  const texts: string[] = [];
  for (let i = 0; i < size; i++) {
    const parts: string[] = [];
    const length = 1 + Math.floor(next() * 24);
    for (let j = 0; j < length; j++) {
      const roll = next();
      if (roll < 0.08) parts.push(whitespaceRun(next));
      else if (roll < 0.12) parts.push(longRun(next));
      else if (roll < 0.16) parts.push(String(Math.floor(next() * 10 ** (1 + Math.floor(next() * 12)))));
      else {
        const pool = FRAGMENTS[KINDS[Math.floor(next() * KINDS.length)]];
        parts.push(recase(pool[Math.floor(next() * pool.length)], next()));
      }
      parts.push(SEPARATORS[Math.floor(next() * SEPARATORS.length)]);
    }
    texts.push(parts.join(''));
  }
  return texts;
}

describe('counting by pieces', () => {
  test('goes through the piece cache with the gpt-tokenizer this repository pins', () => {
    assert.equal(countsByPieces(), true);
  });

  test("equals gpt-tokenizer's own count on 6,000 generated texts, cold and from the cache (a piece of over 64 characters: within a few tokens)", () => {
    const texts = corpus(6_000, 20_251_201);
    const kinds = { runCut: 0, longPiece: 0, special: 0, short: 0 };
    for (const pass of ['cold', 'cached']) {
      for (const text of texts) {
        const slices = runCuts(text);
        const expected = slices.reduce((sum, slice) => sum + reference(slice), 0);
        const longPiece = longestPiece(slices) > 64;
        const counted = countTokens(text);
        // A piece of more than 64 characters (a long run of whitespace) is counted in parts: within a few tokens at each cut.
        if (longPiece) assert.ok(counted - expected >= -pieceCuts(slices) && counted - expected <= 3 * pieceCuts(slices), `${pass}: ${counted} against ${expected} for ${JSON.stringify(text)}`);
        else assert.equal(counted, expected, `${pass}: ${JSON.stringify(text)}`);
        if (pass === 'cold') {
          if (slices.length > 1) kinds.runCut++;
          if (longPiece) kinds.longPiece++;
          if (text.includes('<|')) kinds.special++;
          if (text.length <= 24) kinds.short++;
        }
      }
    }
    // The corpus reaches each path: run cuts, pieces counted in parts, special-token strings, the short-text cache.
    assert.ok(kinds.runCut > 200 && kinds.longPiece > 20 && kinds.special > 500 && kinds.short > 200, JSON.stringify(kinds));
    assert.ok(kinds.longPiece < texts.length / 10, JSON.stringify(kinds));
  });

  test('a Unicode space ends a run: words joined by one are not cut as a long run', () => {
    for (const space of ['\u00a0', '\u2003', '\u3000', '\u2028', '\ufeff', '\u1680']) {
      const text = ['x'.repeat(30), 'été'.repeat(10), '水'.repeat(31), '🌊'.repeat(20)].join(space);
      assert.ok(!/\S{33}/u.test(text));
      assert.equal(countTokens(text), reference(text), JSON.stringify(space));
    }
  });

  test('whole documents: a long text counts as the tokenizer counts it', () => {
    const next = random(7);
    const document = corpus(400, 99)
      .filter((text) => runCuts(text).length === 1 && longestPiece([text]) <= 64)
      .map((text) => (next() < 0.5 ? `${text.trim()}\n` : text.trim()))
      .join(' ');
    assert.ok(document.length > 20_000 && runCuts(document).length === 1 && longestPiece([document]) <= 64);
    assert.equal(countTokens(document), reference(document));
  });
});
