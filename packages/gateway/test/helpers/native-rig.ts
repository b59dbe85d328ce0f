import OpenAI from 'openai';
import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic/server.ts';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini/server.ts';
import { startTestGateway } from './gateway.ts';

/** Prices for the fakes' models, with cache prices unlike input's so that cache pricing shows in every cost. */
export const CLAUDE_PRICE = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
export const GEMINI_PRICE = { input: 0.3, output: 2.5, cachedInput: 0.075 };

/** A gateway in front of both fakes: `claude/<model>` reaches the fake Anthropic, `gem/<model>` the fake Gemini. */
export interface NativeRig {
  gateway: RunningGateway;
  anthropic: FakeAnthropic;
  gemini: FakeGemini;
  /** The official openai SDK pointed at the gateway, without its own retries. */
  openai: OpenAI;
  close(): Promise<void>;
}

export async function startNativeRig(config: SluiceConfigInput = {}, providerSettings: { anthropic?: object; gemini?: object } = {}): Promise<NativeRig> {
  const anthropic = await startFakeAnthropic();
  const gemini = await startFakeGemini();
  const gateway = await startTestGateway({
    retries: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 50 },
    ...config,
    providers: [
      { id: 'claude', type: 'anthropic', baseURL: anthropic.url, apiKey: anthropic.apiKey, price: CLAUDE_PRICE, ...providerSettings.anthropic },
      { id: 'gem', type: 'gemini', baseURL: gemini.url, apiKey: gemini.apiKey, price: GEMINI_PRICE, ...providerSettings.gemini },
      ...(config.providers ?? []),
    ],
  });
  const key = (config.keys?.[0] as { key?: string } | undefined)?.key ?? 'unused-on-loopback';
  return {
    gateway,
    anthropic,
    gemini,
    openai: new OpenAI({ baseURL: gateway.baseURL, apiKey: key, maxRetries: 0 }),
    close: async () => {
      await gateway.close();
      await anthropic.close();
      await gemini.close();
    },
  };
}

/** Every chunk of a stream, and the text, reasoning, tool calls, finish reason and usage they carry. */
export interface StreamSummary {
  chunks: OpenAI.ChatCompletionChunk[];
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string | null;
  usage: OpenAI.CompletionUsage | undefined;
}

export async function readStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<StreamSummary> {
  const summary: StreamSummary = { chunks: [], text: '', reasoning: '', toolCalls: [], finishReason: null, usage: undefined };
  for await (const chunk of stream) {
    summary.chunks.push(chunk);
    if (chunk.usage) summary.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    summary.text += choice.delta.content ?? '';
    summary.reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
    for (const call of choice.delta.tool_calls ?? []) {
      const known = (summary.toolCalls[call.index] ??= { id: '', name: '', arguments: '' });
      if (call.id) known.id = call.id;
      known.name += call.function?.name ?? '';
      known.arguments += call.function?.arguments ?? '';
    }
    if (choice.finish_reason) summary.finishReason = choice.finish_reason;
  }
  return summary;
}

/** US dollars the way the price table says, computed here independently of costOf. */
export function dollars(tokens: { fresh: number; cached?: number; written?: number; output: number }, price: { input: number; output: number; cachedInput?: number; cacheWrite?: number }): number {
  const total = tokens.fresh * price.input + (tokens.cached ?? 0) * (price.cachedInput ?? price.input) + (tokens.written ?? 0) * (price.cacheWrite ?? price.input) + tokens.output * price.output;
  return Math.round((total / 1e6) * 1e8) / 1e8;
}
