/**
 * A message that mentions `<|endoftext|>` or `<|im_start|>` is ordinary
 * text (OpenAI encodes it as plain text). gpt-tokenizer's `countTokens`
 * throws on it by default, and each place the gateway counts tokens failed
 * with it: a 500 at admission for a key with TPM or a budget, a request
 * that never answered (the simulator's usage), and a crash of the process
 * when an answer with such text was counted by a budget or settled without
 * the upstream's usage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALL_SPECIAL_TOKENS, EndOfPrompt, EndOfText, FimMiddle, FimPrefix, FimSuffix, ImEnd, ImSep, ImStart, encode } from 'gpt-tokenizer';
import { countTokens } from '../src/streams/token-counter.ts';
import { startGatewayWithUpstream, postChat, type UpstreamRig } from './helpers/gateway.ts';
import { readSse, textOf } from './helpers/sse.ts';

const SPECIALS = [EndOfText, FimPrefix, FimMiddle, FimSuffix, ImStart, ImEnd, ImSep, EndOfPrompt];
const NONE = new Set<string>();
/** What OpenAI's tokenizer gives a user's text: every special-token string encoded as plain text. */
const plainTokens = (text: string): number => encode(text, { disallowedSpecial: NONE }).length;

describe('counting text that mentions special tokens', () => {
  test('each special-token string counts as the plain text it is, short, long, or in a long run', () => {
    for (const special of SPECIALS) {
      for (const text of [special, `a ${special}`, `Please explain what ${special} means in a prompt.`, `${'x'.repeat(40)}${special}${'y'.repeat(40)}`, `${special}${special}\n${special}`]) {
        const counted = countTokens(text);
        assert.ok(counted > 1 || text === special, `${JSON.stringify(text)}: ${counted}`);
        if (!/\S{33}/u.test(text)) assert.equal(counted, plainTokens(text), JSON.stringify(text));
      }
      assert.ok(countTokens(special) > 1, `${special} is not the one special token`);
    }
    // The tokenizer's own encoding of the special token itself is one token; the plain text is several.
    assert.equal(encode(EndOfText, { allowedSpecial: ALL_SPECIAL_TOKENS }).length, 1);
    assert.equal(countTokens(EndOfText), plainTokens(EndOfText));
  });
});

describe('the gateway serves text that mentions special tokens', () => {
  let rig: UpstreamRig;
  const KEY = 'sk-test-limited';
  const auth = { authorization: `Bearer ${KEY}` };
  before(async () => {
    rig = await startGatewayWithUpstream({
      keys: [
        { name: 'limited', key: KEY, limits: { tpm: 1_000_000, budget: { usd: 100, period: 'day' } } },
        { name: 'free', key: 'sk-test-free' },
      ],
      models: [
        { name: 'priced', target: 'sim/priced', price: { input: 1, output: 2 } },
        { name: 'up-priced', target: 'up/priced', price: { input: 1, output: 2 } },
        { name: 'auto', router: { rules: [{ name: 'short', maxPromptTokens: 200, use: 'priced' }], default: 'up-priced' } },
      ],
    });
  });
  after(() => rig.close());

  const prompt = `What do ${EndOfText} and ${ImStart} mean in a chat transcript?`;
  const messages = [{ role: 'user', content: prompt }];
  /** The gateway's prompt count: each message's text and a newline, and 3 tokens of framing a message. */
  const promptTokens = plainTokens(`${prompt}\n`) + 3;

  async function stream(body: Record<string, unknown>): Promise<{ status: number; text: string; usage: Record<string, unknown> }> {
    const response = await postChat(rig.gateway, { stream: true, stream_options: { include_usage: true }, messages, ...body }, auth, AbortSignal.timeout(10_000));
    assert.equal(response.status, 200, await response.clone().text());
    assert.notEqual(response.headers.get('x-ratelimit-remaining-tokens'), null, 'TPM admitted it');
    const sse = await readSse(response);
    assert.equal(sse.data.at(-1), '[DONE]');
    return { status: response.status, text: textOf(sse.data), usage: (JSON.parse(sse.data.at(-2) ?? '') as { usage: Record<string, unknown> }).usage };
  }

  test('a prompt with <|endoftext|> gets a 200 stream for a key with TPM and budget limits, its prompt counted as text', async () => {
    const { text, usage } = await stream({ model: 'priced', sim: { tokens: 12 } });
    assert.ok(text.length > 0);
    assert.equal(usage.prompt_tokens, promptTokens);
  });

  test('a router rule on prompt length reads the same count', async () => {
    const { usage } = await stream({ model: 'auto', sim: { tokens: 3 } });
    assert.equal(usage.prompt_tokens, promptTokens, 'routed by maxPromptTokens to the in-process simulator');
  });

  test('an answer with such text, from an upstream that reports no usage, is counted by the budget and estimated at settle', async () => {
    // An ordinary prompt: only the answer carries the special-token strings, counted as it streams and at the end.
    const question = 'Which markers end a document and open a message?';
    const answer = `Sure: ${EndOfText} ends a document and ${ImStart} opens a message. ${ImEnd}`;
    const { text, usage } = await stream({ model: 'up-priced', messages: [{ role: 'user', content: question }], sim: { text: answer, usage: false } });
    assert.equal(text, answer);
    assert.equal(usage.estimated, true);
    assert.equal(usage.prompt_tokens, plainTokens(`${question}\n`) + 3);
    assert.equal(usage.completion_tokens, plainTokens(answer));
  });

  test('a prompt with such text, estimated at settle when the upstream reports no usage', async () => {
    const { usage } = await stream({ model: 'up-priced', sim: { tokens: 5, usage: false } });
    assert.equal(usage.estimated, true);
    assert.equal(usage.prompt_tokens, promptTokens);
  });

  test('without streaming, and without limits, the simulator answers with its usage', async () => {
    const response = await postChat(rig.gateway, { model: 'sim/plain', messages }, { authorization: 'Bearer sk-test-free' }, AbortSignal.timeout(10_000));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens, promptTokens);
  });
});
