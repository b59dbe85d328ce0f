import type { ChatCompletionRequest } from '@sluice/protocol';
import { startSimServer, type RunningGateway, type SimServer, type SluiceConfigInput } from '@sluice/gateway';
import { startTestGateway, upstreamProvider } from './gateway.ts';

/** Where an inbound API's requests go: the in-process simulator, or the HTTP simulator behind the OpenAI-compatible provider. */
export interface Backend {
  name: string;
  /** `<provider>/<model>`; both providers are asked for `<model>`. */
  model: string;
  /** The provider signs reasoning (the in-process simulator does, like Anthropic); an OpenAI-compatible one cannot. */
  signs: boolean;
}

export function backends(model: string): Backend[] {
  return [
    { name: 'the in-process simulator', model: `sim/${model}`, signs: true },
    { name: 'an OpenAI-compatible upstream', model: `up/${model}`, signs: false },
  ];
}

/** A gateway with both backends, and every request the OpenAI-compatible upstream received. */
export interface InboundRig {
  gateway: RunningGateway;
  upstream: SimServer;
  received: ChatCompletionRequest[];
  close(): Promise<void>;
}

export async function startInboundRig(keys: SluiceConfigInput['keys']): Promise<InboundRig> {
  const upstream = await startSimServer();
  const received: ChatCompletionRequest[] = [];
  upstream.events.on('request', ({ body }) => received.push(body));
  const gateway = await startTestGateway({ keys, providers: [{ id: 'sim', type: 'sim' }, upstreamProvider('up', upstream.baseURL)] });
  return {
    gateway,
    upstream,
    received,
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
}

/** The prompt tokens chat completions reports for the same conversation: what another API must report as its input. */
export async function chatPromptTokens(gateway: RunningGateway, key: string, model: string, messages: object[]): Promise<number> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages, sim: { tokens: 1 } }),
  });
  return ((await response.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
}
