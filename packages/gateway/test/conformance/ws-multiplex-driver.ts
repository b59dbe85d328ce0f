import type { WsErrorMessage, WsServerMessage } from '@sluice/protocol';
import { MultiplexClient } from '../helpers/ws.ts';
import { OutcomeBuilder, type CutKind, type OpenStream, type TransportDriver } from './driver.ts';

/**
 * WebSocket `sluice.v1`: every stream shares one socket (that is the
 * point of the protocol), except a stream that is to be cut by going away,
 * which gets a socket of its own and asks not to outlive it.
 */
export const wsMultiplexDriver: TransportDriver = {
  name: 'WebSocket sluice.v1',
  carriesSeq: true,
  cutKinds: ['cancel', 'disconnect'],
  invalidJsonCode: 'invalid_message',
  serverConfig: () => ({}),
  async connect(gateway) {
    const shared = await MultiplexClient.connect(gateway);
    const own: MultiplexClient[] = [];
    let next = 0;
    return {
      stream: (body) => run(shared, `r${++next}`, body, 'cancel').outcome,
      open(body, cut) {
        if (cut === 'cancel') return run(shared, `r${++next}`, body, cut);
        const stream = MultiplexClient.connect(gateway).then((client) => {
          own.push(client);
          return run(client, 'only', body, cut);
        });
        return { firstToken: stream.then((s) => s.firstToken), cut: () => void stream.then((s) => s.cut()), outcome: stream.then((s) => s.outcome) };
      },
      async invalidJson() {
        const answer = shared.next((m) => m.type === 'error' && m.id === null, 5000, false);
        shared.send('{"type": ');
        return { status: null, error: ((await answer) as WsErrorMessage).error };
      },
      async close() {
        for (const client of [shared, ...own]) client.ws.terminate();
      },
    };
  },
};

function run(client: MultiplexClient, id: string, body: object, cut: CutKind): OpenStream {
  const builder = new OutcomeBuilder(true);
  const outcome = new Promise<typeof builder.outcome>((resolve) => {
    // Streams share the socket: the client's one close listener tells this stream, which lets go when it ends.
    const finish = () => {
      forget();
      resolve(builder.outcome);
    };
    const forget = client.whenClosed(finish);
    client.listen(id, (message: WsServerMessage) => {
      if (message.type === 'chunk') builder.chunk(message.data, message.seq);
      else if (message.type === 'done') builder.end(message.seq, message.usage, message.cost);
      else if (message.type === 'error') builder.fail(message.error, message.seq);
      if (message.type === 'done' || message.type === 'error') finish();
    });
  });
  client.send({ type: 'request', id, body, ...(cut === 'disconnect' ? { resumable: false } : {}) });
  return {
    firstToken: builder.firstToken,
    cut: () => (cut === 'cancel' ? client.send({ type: 'cancel', id }) : client.ws.terminate()),
    outcome,
  };
}

