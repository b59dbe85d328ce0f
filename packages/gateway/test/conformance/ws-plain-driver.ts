import type { ChatCompletionChunk, WireError } from '@sluice/protocol';
import type WebSocket from 'ws';
import { openSocket, wsURL } from '../helpers/ws.ts';
import { OutcomeBuilder, type OpenStream, type TransportDriver } from './driver.ts';

/**
 * WebSocket plain mode, as the seed's classic clients use it: no
 * subprotocol, an OpenAI body per frame, OpenAI chunks back. A plain
 * socket answers one body at a time, so concurrent streams use a socket each.
 * Plain frames carry no end marker of their own; the suite asks for the
 * usage chunk, which is the last frame of a stream that ended well.
 */
export const wsPlainDriver: TransportDriver = {
  name: 'WebSocket plain mode',
  carriesSeq: false,
  cutKinds: ['disconnect'],
  invalidJsonCode: 'invalid_message',
  serverConfig: () => ({}),
  async connect(gateway) {
    const sockets = new Set<WebSocket>();
    const open = async () => {
      const ws = await openSocket(wsURL(gateway));
      sockets.add(ws);
      return ws;
    };
    return {
      stream: (body) => run(open(), body).outcome,
      open: (body) => run(open(), body),
      async invalidJson() {
        const ws = await open();
        const answer = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
        ws.send('{"model": ');
        return { status: null, error: (JSON.parse(await answer) as WireError).error };
      },
      async close() {
        for (const ws of sockets) ws.terminate();
      },
    };
  },
};

function run(socket: Promise<WebSocket>, body: object): OpenStream {
  const builder = new OutcomeBuilder(false);
  const outcome = socket.then(
    (ws) =>
      new Promise<typeof builder.outcome>((resolve) => {
        const finish = () => {
          resolve(builder.outcome);
          ws.close(1000);
        };
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as ChatCompletionChunk | WireError;
          if ('error' in frame) {
            builder.fail((frame as WireError).error);
            return finish();
          }
          const chunk = frame as ChatCompletionChunk;
          builder.chunk(chunk);
          if (chunk.usage && chunk.choices.length === 0) {
            builder.end();
            finish();
          }
        });
        ws.once('close', () => resolve(builder.outcome));
        ws.send(JSON.stringify(body));
      }),
  );
  return { firstToken: builder.firstToken, cut: () => void socket.then((ws) => ws.terminate()), outcome };
}

