/**
 * WebSocket plain mode, as the classic clients speak it: no subprotocol, the
 * client sends an OpenAI chat body, the server answers with OpenAI chunk
 * objects, one per frame; the chunk with a `finish_reason` ends the answer
 * (the bench never asks for the usage chunk that would follow it). One
 * stream at a time per socket; a socket whose stream ended cleanly is
 * reused for the next one.
 */
import WebSocket from 'ws';
import { isWireError } from '@sluice/protocol';
import type { TargetEndpoint } from '../../targets/target.ts';
import type { StreamRecorder } from '../recorder.ts';
import { chatBody, chunkContent, finishReason } from './chat-body.ts';
import { cancelReason, describe, type StreamClient } from './stream-client.ts';
import { openSocket } from './open-socket.ts';

export class WsPlainClient implements StreamClient {
  readonly #target: TargetEndpoint;
  readonly #idle: WebSocket[] = [];
  readonly #all = new Set<WebSocket>();

  constructor(target: TargetEndpoint) {
    this.#target = target;
  }

  async run(recorder: StreamRecorder, cancel?: AbortSignal): Promise<void> {
    let socket: WebSocket;
    try {
      socket = this.#idle.pop() ?? (await openSocket(this.#target.url, [], this.#target.headers));
    } catch (error) {
      return recorder.fail(describe(error));
    }
    this.#all.add(socket);
    await new Promise<void>((settle) => {
      const finish = (reuse: boolean): void => {
        cancel?.removeEventListener('abort', onAbort);
        socket.off('message', onMessage);
        socket.off('close', onClose);
        if (reuse && socket.readyState === WebSocket.OPEN) this.#idle.push(socket);
        else this.#forget(socket);
        settle();
      };
      const onMessage = (data: WebSocket.RawData): void => {
        const text = data.toString();
        let frame: unknown;
        try {
          frame = JSON.parse(text);
        } catch {
          recorder.fail(`malformed frame: ${text.slice(0, 120)}`);
          return finish(false);
        }
        if (isWireError(frame)) {
          recorder.fail(`error frame: ${text.slice(0, 300)}`);
          return finish(false);
        }
        recorder.content(chunkContent(frame));
        if (finishReason(frame) !== null) {
          recorder.complete();
          finish(true);
        }
      };
      const onClose = (code: number): void => {
        if (!recorder.settled) recorder.fail(`socket closed (${code}) before [DONE]`);
        finish(false);
      };
      socket.on('message', onMessage);
      socket.on('close', onClose);
      // Plain mode has no cancel message: closing the socket is the cancel.
      const onAbort = (): void => {
        recorder.fail(cancelReason(cancel!));
        socket.terminate();
      };
      cancel?.addEventListener('abort', onAbort, { once: true });
      recorder.markSent();
      socket.send(JSON.stringify(chatBody(this.#target.model, recorder.spec)));
    });
  }

  #forget(socket: WebSocket): void {
    this.#all.delete(socket);
    if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  async close(): Promise<void> {
    for (const socket of this.#all) socket.terminate();
    this.#all.clear();
    this.#idle.length = 0;
  }
}
