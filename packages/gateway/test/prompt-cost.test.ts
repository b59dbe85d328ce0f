/**
 * Counting tokens cannot stall the gateway: byte-pair merging is quadratic
 * in the length of a piece of the tokenizer's split, so a long run without
 * spaces, or of whitespace (within the body limit), once cost minutes of CPU
 * per request. Such runs are counted in parts; what a prompt of ordinary
 * text counts is unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens as tokenizer } from 'gpt-tokenizer';
import { countTokens } from '../src/streams/token-counter.ts';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';

describe('token counting on adversarial text', () => {
  test('a 200,000-character run is answered promptly (it used to take over a minute)', { timeout: 30_000 }, async () => {
    const gateway = await startTestGateway();
    try {
      const started = performance.now();
      const response = await postChat(gateway, chatBody({ messages: [{ role: 'user', content: 'é'.repeat(200_000) }], sim: { tokens: 2 } }));
      assert.equal(response.status, 200);
      const usage = ((await response.json()) as { usage: { prompt_tokens: number } }).usage;
      assert.ok(usage.prompt_tokens >= 200_000 / 32, 'still counted');
      assert.ok(performance.now() - started < 5_000, `answered after ${(performance.now() - started).toFixed(0)} ms`);
    } finally {
      await gateway.close();
    }
  });

  test('200,000 characters of whitespace, or of "/" and newlines after punctuation, are answered promptly (one piece each, they took minutes)', { timeout: 30_000 }, async () => {
    const gateway = await startTestGateway();
    try {
      const whitespace = Array.from({ length: 200_000 }, (_, i) => [' ', '\t', '\n', '\r', '\u2003', '\u3000'][(i * 7919) % 6]).join('');
      for (const content of [whitespace, `!${'/\n'.repeat(100_000)}`]) {
        const started = performance.now();
        const response = await postChat(gateway, chatBody({ messages: [{ role: 'user', content }], sim: { tokens: 2 } }));
        assert.equal(response.status, 200);
        const usage = ((await response.json()) as { usage: { prompt_tokens: number } }).usage;
        assert.ok(usage.prompt_tokens >= 200_000 / 64, `still counted: ${usage.prompt_tokens}`);
        assert.ok(performance.now() - started < 5_000, `answered after ${(performance.now() - started).toFixed(0)} ms`);
      }
    } finally {
      await gateway.close();
    }
  });

  test('ordinary text counts as the tokenizer counts it; a long run counts at least a token per 32 characters', () => {
    for (const text of ['Explain quantum computing in simple terms.', 'see https://example.com/a/b?x=1 ok', 'Ünïcødé, 水, and \u{1F30A} too.\n\nTwo paragraphs.']) {
      assert.equal(countTokens(text), tokenizer(text), text);
    }
    const indented = `{\n${' '.repeat(60)}"deep": [\n${'\t'.repeat(12)}1, 2\n\n\n\n]}`;
    assert.equal(countTokens(indented), tokenizer(indented), 'indentation and blank lines are far under 64 characters');
    assert.ok(countTokens('x'.repeat(1_000)) >= 1_000 / 32);
  });
});
