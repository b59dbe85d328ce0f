import { startSimServer, type SluiceConfigInput } from '@sluice/gateway';
import { startFakeAnthropic } from '../fakes/anthropic/server.ts';
import { startFakeGemini } from '../fakes/gemini/server.ts';
import { words } from '../fakes/http.ts';
import { nextEvent } from '../helpers/sse.ts';

/** What an upstream answers in a conformance check: these pieces, this far apart, this fault. */
export interface Plan {
  text: string;
  delayMs?: number;
  /** An error status instead of an answer, a connection cut after `dropAfter` pieces, silence after `stallAfter`. */
  fault?: { status?: number; dropAfter?: number; stallAfter?: number };
}

/** The prompt tokens every scripted upstream reports, so usage can be checked exactly. */
export const PROMPT_TOKENS = 17;

/**
 * One provider type behind the gateway, as the conformance suite drives it:
 * its provider entry, the body that makes it answer a plan, and the aborts
 * it saw. Every type speaks its own wire format: OpenAI's (the HTTP
 * simulator), Anthropic's and Gemini's (the fakes).
 */
export interface ConformanceUpstream {
  type: 'openai-compatible' | 'anthropic' | 'gemini';
  provider: NonNullable<SluiceConfigInput['providers']>[number];
  /** The prompt tokens it reports, when scripted (the simulator counts them itself). */
  promptTokens?: number;
  /** The chat body for `model` that this upstream answers with `plan`. */
  request(model: string, prompt: string, plan: Plan): Record<string, unknown>;
  /** The next time a client of this upstream goes away mid-answer, and how many pieces it had been sent. */
  nextAbort(): Promise<{ tokensSent: number }>;
  close(): Promise<void>;
}

const ask = (model: string, prompt: string) => ({ model, messages: [{ role: 'user', content: prompt }], stream: true, stream_options: { include_usage: true } });

export async function startConformanceUpstreams(price: { input: number; output: number }): Promise<ConformanceUpstream[]> {
  const sim = await startSimServer();
  const anthropic = await startFakeAnthropic();
  const gemini = await startFakeGemini();
  return [
    {
      type: 'openai-compatible',
      provider: { id: 'up', type: 'openai-compatible', baseURL: sim.baseURL, price },
      request: (model, prompt, plan) => {
        return { ...ask(model, prompt), sim: { text: plan.text, delayMs: plan.delayMs ?? 0, ...(plan.fault === undefined ? {} : { fault: plan.fault }) } };
      },
      nextAbort: () => nextEvent(sim.events, 'abort'),
      close: () => sim.close(),
    },
    {
      type: 'anthropic',
      provider: { id: 'claude', type: 'anthropic', baseURL: anthropic.url, apiKey: anthropic.apiKey, price },
      promptTokens: PROMPT_TOKENS,
      request: (model, prompt, plan) => {
        const fault = plan.fault ?? {};
        const pieces = words(plan.text);
        anthropic.on(prompt, {
          blocks: [{ type: 'text', text: pieces }],
          usage: { input_tokens: PROMPT_TOKENS, output_tokens: pieces.length },
          delayMs: plan.delayMs,
          status: fault.status,
          dropAfterDeltas: fault.dropAfter,
          stallAfterDeltas: fault.stallAfter,
        });
        return ask(model, prompt);
      },
      nextAbort: () => nextEvent(anthropic.events, 'abort'),
      close: () => anthropic.close(),
    },
    {
      type: 'gemini',
      provider: { id: 'gem', type: 'gemini', baseURL: gemini.url, apiKey: gemini.apiKey, price },
      promptTokens: PROMPT_TOKENS,
      request: (model, prompt, plan) => {
        const fault = plan.fault ?? {};
        const pieces = words(plan.text);
        gemini.on(prompt, {
          parts: [{ text: pieces }],
          usage: { promptTokenCount: PROMPT_TOKENS, candidatesTokenCount: pieces.length },
          delayMs: plan.delayMs,
          status: fault.status,
          googleStatus: 'INTERNAL',
          dropAfterChunks: fault.dropAfter,
          stallAfterChunks: fault.stallAfter,
        });
        return ask(model, prompt);
      },
      nextAbort: () => nextEvent(gemini.events, 'abort'),
      close: () => gemini.close(),
    },
  ];
}
