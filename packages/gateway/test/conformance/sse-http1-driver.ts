import type { RunningGateway } from '@sluice/gateway';
import type { WireError } from '@sluice/protocol';
import { postChat } from '../helpers/gateway.ts';
import { OutcomeBuilder, type OpenStream, type TransportDriver } from './driver.ts';
import { readSseInto } from './sse-outcome.ts';

/** SSE over HTTP/1.1, with fetch as the client: the OpenAI endpoint as every SDK uses it. */
export const sseHttp1Driver: TransportDriver = {
  name: 'SSE over HTTP/1.1',
  carriesSeq: true,
  cutKinds: ['disconnect'],
  invalidJsonCode: 'invalid_json',
  serverConfig: () => ({}),
  async connect(gateway) {
    return {
      stream: (body) => run(gateway, body).outcome,
      open: (body) => run(gateway, body),
      async invalidJson() {
        const response = await postChat(gateway, '{"model": ');
        return { status: response.status, error: ((await response.json()) as WireError).error };
      },
      close: async () => {},
    };
  },
};

function run(gateway: RunningGateway, body: object): OpenStream {
  const builder = new OutcomeBuilder(true);
  const controller = new AbortController();
  const outcome = (async () => {
    const response = await postChat(gateway, { ...body, stream: true }, {}, controller.signal);
    if (response.status !== 200) builder.fail(((await response.json()) as WireError).error, undefined, response.status);
    else if (response.body !== null) await readSseInto(builder, response.body);
    return builder.outcome;
  })();
  return { firstToken: builder.firstToken, cut: () => controller.abort(), outcome };
}
