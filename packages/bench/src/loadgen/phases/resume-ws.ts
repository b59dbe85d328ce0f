/**
 * Cut-and-resume over `sluice.v1`: the stream's socket is dropped after a
 * few chunks, and a little later a second socket (already open, so the
 * handshake is not part of the figure) sends `resume {streamId, after: last seq}`.
 */
import type WebSocket from 'ws';
import { WS_SUBPROTOCOL, type WsClientMessage, type WsServerMessage } from '@sluice/protocol';
import type { TargetEndpoint } from '../../targets/target.ts';
import { chatBody, chunkContent } from '../clients/chat-body.ts';
import { openSocket } from '../clients/open-socket.ts';
import { describe } from '../clients/stream-client.ts';
import { StreamRecorder } from '../recorder.ts';
import { sleep, type ResumeOnce } from './resume.ts';

export function wsResume(target: TargetEndpoint): ResumeOnce {
  return async (spec, params) => {
    let sockets: WebSocket[];
    try {
      sockets = await Promise.all([openSocket(target.url, [WS_SUBPROTOCOL], target.headers), openSocket(target.url, [WS_SUBPROTOCOL], target.headers)]);
    } catch (error) {
      return { failed: describe(error) };
    }
    const [cutSocket, resumeSocket] = sockets;
    try {
      const first = new StreamRecorder(spec);
      let streamId: string | undefined;
      let token: string | undefined;
      await new Promise<void>((resolve) => {
        cutSocket.on('message', (data) => {
          const message = parse(data);
          if (message === null) return void (first.fail('a frame that is not JSON'), resolve());
          if (message.type === 'accepted') ({ streamId, token } = message);
          else if (first.settled) return;
          else if (message.type === 'chunk') {
            // Frames already read when the socket was cut are not the client's any more.
            first.lastEventId = String(message.seq);
            first.content(chunkContent(message.data));
          } else if (message.type === 'done' || message.type === 'error') {
            first.fail(`the stream ended before the cut (${message.type})`);
            resolve();
          }
        });
        first.onChunk = (r) => {
          if (r.chunks !== params.cutAfter) return;
          first.fail('cut by the bench');
          cutSocket.terminate();
          resolve();
        };
        cutSocket.on('close', () => resolve());
        send(cutSocket, { type: 'request', id: 'first', body: chatBody(target.model, spec) });
      });
      if (streamId === undefined || first.chunks !== params.cutAfter) return { failed: `the stream could not be cut and resumed: ${first.error ?? 'no accepted message'}` };
      await sleep(params.awayMs);
      const second = new StreamRecorder(spec);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (second.fail('timed out'), resolve()), 10_000);
        resumeSocket.on('message', (data) => {
          const message = parse(data);
          if (message === null) second.fail('a frame that is not JSON');
          else if (message.type === 'chunk') second.content(chunkContent(message.data));
          else if (message.type === 'done') second.complete();
          else if (message.type === 'error') second.fail(`error message: ${JSON.stringify(message.error).slice(0, 200)}`);
          if (second.settled) {
            clearTimeout(timer);
            resolve();
          }
        });
        second.markSent();
        send(resumeSocket, { type: 'resume', id: 'second', streamId: streamId!, after: Number(first.lastEventId), ...(token ? { token } : {}) });
      });
      return { first, second };
    } finally {
      for (const socket of sockets) socket.terminate();
    }
  };
}

function send(socket: WebSocket, message: WsClientMessage): void {
  socket.send(JSON.stringify(message));
}

function parse(data: WebSocket.RawData): WsServerMessage | null {
  try {
    return JSON.parse(data.toString()) as WsServerMessage;
  } catch {
    return null;
  }
}
