/**
 * The simulator answers like a model would: whole English sentences, the
 * same ones for the same request, different ones for another prompt or seed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simText, simTokens } from '@sluice/gateway';

const ask = (content: string, sim: Record<string, unknown> = {}) => ({ model: 'deepseek-v3.2', messages: [{ role: 'user' as const, content }], sim });

/** The complete sentences of a text: what ends in . ! or ?, split after it. */
function sentences(text: string): string[] {
  return text.match(/[^.!?]+[.!?]/g)?.map((s) => s.trim()) ?? [];
}

describe('the simulator speaks English', () => {
  test('an answer is whole sentences: capitalised, punctuated, made of words', () => {
    for (let i = 0; i < 50; i++) {
      const text = simText(ask(`question ${i}`, { tokens: 80 }));
      const whole = sentences(text);
      assert.ok(whole.length >= 3, `three sentences or more in 80 words: ${text}`);
      for (const sentence of whole) {
        assert.match(sentence, /^[A-Z]/, `starts with a capital: ${sentence}`);
        for (const word of sentence.split(' ')) assert.match(word, /^[A-Za-z0-9][a-z0-9']*[,;.!?]?$/, `a word: ${JSON.stringify(word)} in ${sentence}`);
      }
      // The words between the sentences are the start of the next one, cut at the token count.
      assert.ok(text.startsWith(whole[0]));
    }
  });

  test('"write a haiku" with the default 32 tokens reads as an answer, not a list of words', () => {
    const text = simText(ask('write a haiku'));
    assert.equal(simTokens(ask('write a haiku')).length, 32);
    assert.ok(sentences(text).length >= 2, text);
    assert.match(text, /\b(the|a|is|it|of|and|to)\b/);
  });

  test('deterministic per request; another prompt or seed says something else', () => {
    assert.equal(simText(ask('rivers', { tokens: 40 })), simText(ask('rivers', { tokens: 40 })));
    assert.notEqual(simText(ask('rivers', { tokens: 40 })), simText(ask('rivers', { tokens: 40, seed: 1 })));
    const texts = new Set(Array.from({ length: 20 }, (_, i) => simText(ask(`prompt ${i}`, { tokens: 30 }))));
    assert.equal(texts.size, 20, 'twenty prompts, twenty different answers');
  });

  test('tokens are the words with the space before them, and add up to the text', () => {
    const tokens = simTokens(ask('count me', { tokens: 200 }));
    assert.equal(tokens.length, 200);
    assert.ok(!tokens[0].startsWith(' '));
    assert.ok(tokens.slice(1).every((t) => /^ \S+$/.test(t)));
    assert.equal(tokens.join(''), simText(ask('count me', { tokens: 200 })));
  });
});
