import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway } from '@sluice/gateway';
import { costOf, type ChatCompletionRequest } from '@sluice/protocol';
import { words } from '../fakes/http.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { assertPromptly } from '../helpers/sse.ts';
import { outcomeText, type StreamOutcome, type TransportClient, type TransportDriver } from './driver.ts';
import { startConformanceUpstreams, type ConformanceUpstream } from './upstreams.ts';

const SIM_PRICE = { input: 1.5, output: 4 };
/** The bounds: a cancel message stops the upstream within 50 ms, a disconnect within 100 ms (best of three tries on a loaded machine). */
const CUT_BOUND_MS = { cancel: 50, disconnect: 100 } as const;

function body(model: string, content: string, sim: object, extra: object = {}): ChatCompletionRequest & { sim: object } {
  return { model, messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true }, sim, ...extra };
}

/** What the simulator says for a body, given the model name the upstream sees. */
function expectedText(request: ChatCompletionRequest, upstreamModel: string): string {
  return simText({ ...request, model: upstreamModel });
}

function assertSeqsFromOne(outcome: StreamOutcome): void {
  assert.ok(outcome.seqs !== null);
  assert.deepEqual(
    outcome.seqs,
    outcome.seqs.map((_, i) => i + 1),
  );
}

/** A deterministic text of `count` word-sized pieces. */
function textOf(count: number, seed: string): string {
  return simText({ model: seed, messages: [{ role: 'user', content: seed }], sim: { tokens: count } } as ChatCompletionRequest);
}

/**
 * The behaviour every transport must share, run against one transport's
 * driver: the same gateway, the same requests, the same expectations. The
 * checks that involve an upstream run against each provider type (OpenAI-
 * compatible, Anthropic, Gemini), each speaking its own wire format.
 */
export function describeConformance(driver: TransportDriver): void {
  describe(`conformance: ${driver.name}`, () => {
    let upstreams: ConformanceUpstream[] = [];
    let gateway: RunningGateway;
    let client: TransportClient;

    before(async () => {
      upstreams = await startConformanceUpstreams(SIM_PRICE);
      gateway = await startTestGateway({
        server: driver.serverConfig(),
        providers: [...upstreams.map((u) => u.provider), { id: 'sim', type: 'sim', price: SIM_PRICE }],
        retries: { maxRetries: 0 },
      });
      client = await driver.connect(gateway);
    });
    after(async () => {
      await client.close();
      await gateway.close();
      for (const upstream of upstreams) await upstream.close();
    });

    test('a deterministic prompt arrives exactly, numbered from 1, with usage and cost at the end', async () => {
      const request = body('sim/conformance', 'Tell me about rivers.', { tokens: 40 });
      const outcome = await client.stream(request);
      assert.equal(outcome.error, null);
      assert.equal(outcomeText(outcome), expectedText(request, 'conformance'));
      if (driver.carriesSeq) assertSeqsFromOne(outcome);
      else assert.equal(outcome.seqs, null);
      const last = outcome.chunks.at(-1)!;
      assert.deepEqual(last.choices, [], 'the usage chunk comes last');
      assert.equal(last.usage?.completion_tokens, 40);
      assert.deepEqual(outcome.usage, last.usage);
      const usage = outcome.usage!;
      assert.equal(usage.total_tokens, usage.prompt_tokens + 40);
      assert.ok(outcome.cost !== null && outcome.cost > 0);
      assert.equal(outcome.cost, costOf(usage, SIM_PRICE));
    });

    for (const type of ['openai-compatible', 'anthropic', 'gemini'] as const) {
      const upstream = () => upstreams.find((u) => u.type === type)!;
      const model = () => `${upstream().provider.id}/m`;

      test(`${type}: a text arrives exactly, numbered from 1, with the upstream's usage and its cost at the end`, async () => {
        const text = textOf(40, `${type} rivers`);
        const outcome = await client.stream(upstream().request(model(), `${type}: tell me about rivers`, { text }));
        assert.equal(outcome.error, null);
        assert.equal(outcomeText(outcome), text);
        if (driver.carriesSeq) assertSeqsFromOne(outcome);
        const usage = outcome.usage!;
        assert.equal(usage.completion_tokens, words(text).length);
        if (upstream().promptTokens !== undefined) assert.equal(usage.prompt_tokens, upstream().promptTokens);
        assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
        assert.equal(outcome.cost, costOf(usage, SIM_PRICE));
      });

      test(`${type}: an upstream error before the first token is the stream's error, with nothing before it`, async () => {
        const outcome = await client.stream(upstream().request(model(), `${type}: fail at once`, { text: 'never sent', fault: { status: 500 } }));
        assert.equal(outcome.error?.code, 'upstream_error');
        assert.equal(typeof outcome.error?.message, 'string');
        assert.equal(outcomeText(outcome), '');
        assert.equal(outcome.usage, null);
        if (outcome.status !== null) assert.equal(outcome.status, 502);
      });

      test(`${type}: an upstream that drops mid-stream: the tokens before the drop, then an error`, async () => {
        const text = textOf(50, `${type} drop`);
        // Tokens a few ms apart, so the ones before the drop reach the gateway before the drop does.
        const outcome = await client.stream(upstream().request(model(), `${type}: drop after ten`, { text, delayMs: 3, fault: { dropAfter: 10 } }));
        assert.equal(outcome.error?.code, 'upstream_disconnected');
        assert.equal(outcomeText(outcome), words(text).slice(0, 10).join(''));
        assert.equal(outcome.usage, null, 'no usage chunk and no done after a failure');
        if (driver.carriesSeq) assertSeqsFromOne(outcome);
      });

      for (const cut of driver.cutKinds) {
        test(`${type}: ${cut === 'cancel' ? 'a cancel' : 'a disconnect'} stops the upstream within ${CUT_BOUND_MS[cut]} ms`, async () => {
          let attempt = 0;
          await assertPromptly(`upstream abort after a ${cut}`, CUT_BOUND_MS[cut], async () => {
            // A stalled upstream sends nothing more, so only an active abort ends it.
            const body = upstream().request(model(), `${type}: cut by ${cut} ${attempt++}`, { text: textOf(100, `${type} cut`), fault: { stallAfter: 2 } });
            const stream = client.open(body, cut);
            await stream.firstToken;
            const aborted = upstream().nextAbort();
            const cutAt = performance.now();
            stream.cut();
            const { tokensSent } = await aborted;
            const elapsed = performance.now() - cutAt;
            assert.equal(tokensSent, 2);
            const outcome = await stream.outcome;
            if (cut === 'cancel') assert.equal(outcome.error?.code, 'cancelled');
            return elapsed;
          });
        });
      }
    }

    test('bad input: a request without messages is refused, naming the field', async () => {
      const outcome = await client.stream({ model: 'sim/x', stream: true, stream_options: { include_usage: true } });
      assert.equal(outcome.error?.code, 'invalid_request');
      assert.equal(outcome.error?.param, 'messages');
      assert.equal(outcome.chunks.length, 0);
      if (outcome.status !== null) assert.equal(outcome.status, 400);
    });

    test('bad input: an unknown model is refused', async () => {
      const outcome = await client.stream(body('nowhere/x', 'hello', {}));
      assert.equal(outcome.error?.code, 'model_not_found');
      assert.equal(outcome.error?.param, 'model');
      if (outcome.status !== null) assert.equal(outcome.status, 404);
    });

    test('bad input: something that is not JSON is refused, and the next request still works', async () => {
      const { status, error } = await client.invalidJson();
      assert.equal(error.code, driver.invalidJsonCode);
      if (status !== null) assert.equal(status, 400);
      const request = body('sim/conformance', 'still here?', { tokens: 5 });
      assert.equal(outcomeText(await client.stream(request)), expectedText(request, 'conformance'));
    });

    test('20 concurrent streams, each exact', async () => {
      const requests = Array.from({ length: 20 }, (_, i) => body('sim/conformance', `prompt ${i}`, { tokens: 30, delayMs: 1 }));
      const outcomes = await Promise.all(requests.map((request) => client.stream(request)));
      const texts = outcomes.map(outcomeText);
      texts.forEach((text, i) => assert.equal(text, expectedText(requests[i], 'conformance'), `stream ${i}`));
      assert.equal(new Set(texts).size, 20);
      for (const outcome of outcomes) {
        assert.equal(outcome.error, null);
        if (driver.carriesSeq) assertSeqsFromOne(outcome);
      }
    });
  });
}
