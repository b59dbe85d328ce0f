/**
 * WebSocket `sluice.v1`: many streams share one socket, each named by the
 * request id the client picks. Sockets are opened as needed, up to
 * `streamsPerSocket` streams on each.
 */
import WebSocket from 'ws';
import { WS_SUBPROTOCOL, type WsClientMessage, type WsServerMessage } from '@sluice/protocol';
import type { TargetEndpoint } from '../../targets/target.ts';
import type { StreamRecorder } from '../recorder.ts';
import { chatBody, chunkContent } from './chat-body.ts';
import { cancelReason, describe, type StreamClient } from './stream-client.ts';
import { openSocket } from './open-socket.ts';

/** What a client that multiplexes its streams might put on one socket. */
const DEFAULT_STREAMS_PER_SOCKET = 64;

interface ActiveStream {
  recorder: StreamRecorder;
  settle: () => void;
}

interface Lane {
  socket: WebSocket;
  active: Map<string, ActiveStream>;
}

export class WsSluiceClient implements StreamClient {
  readonly #target: TargetEndpoint;
  readonly #streamsPerSocket: number;
  readonly #lanes: Lane[] = [];
  #opening: Promise<Lane> | null = null;

  constructor(target: TargetEndpoint, streamsPerSocket = DEFAULT_STREAMS_PER_SOCKET) {
    this.#target = target;
    this.#streamsPerSocket = streamsPerSocket;
  }

  async run(recorder: StreamRecorder, cancel?: AbortSignal): Promise<void> {
    const id = recorder.spec.id;
    let lane: Lane | undefined;
    let resolve!: () => void;
    const ended = new Promise<void>((r) => (resolve = r));
    const onAbort = (): void => {
      recorder.fail(cancelReason(cancel!));
      if (lane) {
        send(lane.socket, { type: 'cancel', id });
        lane.active.delete(id);
      }
      stream.settle();
    };
    const stream: ActiveStream = {
      recorder,
      settle: () => {
        cancel?.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    try {
      lane = await this.#reserveSlot(stream);
    } catch (error) {
      return recorder.fail(describe(error));
    }
    // The socket may have closed, or the caller given up, while this request waited its turn.
    if (cancel?.aborted) onAbort();
    else if (!recorder.settled) {
      cancel?.addEventListener('abort', onAbort, { once: true });
      recorder.markSent();
      send(lane.socket, { type: 'request', id, body: chatBody(this.#target.model, recorder.spec) });
    }
    await ended;
  }

  /**
   * A socket with a free stream slot, the slot taken at once (before any
   * await) so a burst of requests cannot all count the same free slot.
   * Sockets are opened one at a time so a burst does not open hundreds.
   */
  async #reserveSlot(stream: ActiveStream): Promise<Lane> {
    for (;;) {
      const free = this.#lanes.find((lane) => lane.active.size < this.#streamsPerSocket && lane.socket.readyState === WebSocket.OPEN);
      if (free) {
        free.active.set(stream.recorder.spec.id, stream);
        return free;
      }
      if (!this.#opening) this.#opening = this.#openLane().finally(() => (this.#opening = null));
      await this.#opening;
    }
  }

  async #openLane(): Promise<Lane> {
    const socket = await openSocket(this.#target.url, [WS_SUBPROTOCOL], this.#target.headers);
    const lane: Lane = { socket, active: new Map() };
    socket.on('message', (data) => this.#onMessage(lane, data.toString()));
    socket.on('close', (code) => {
      const index = this.#lanes.indexOf(lane);
      if (index >= 0) this.#lanes.splice(index, 1);
      for (const { recorder, settle } of lane.active.values()) {
        recorder.fail(`socket closed (${code})`);
        settle();
      }
      lane.active.clear();
    });
    this.#lanes.push(lane);
    return lane;
  }

  #onMessage(lane: Lane, text: string): void {
    let message: WsServerMessage;
    try {
      message = JSON.parse(text) as WsServerMessage;
    } catch {
      return void lane.socket.close(1002, 'bench: bad frame');
    }
    if (message.type === 'pong' || message.type === 'accepted') return;
    if (message.id === null) return;
    const stream = lane.active.get(message.id);
    if (!stream) return;
    if (message.type === 'chunk') return stream.recorder.content(chunkContent(message.data));
    if (message.type === 'done') stream.recorder.complete();
    else stream.recorder.fail(`error message: ${JSON.stringify(message.error).slice(0, 300)}`);
    lane.active.delete(message.id);
    stream.settle();
  }

  async close(): Promise<void> {
    for (const lane of [...this.#lanes]) lane.socket.terminate();
  }
}

function send(socket: WebSocket, message: WsClientMessage): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}
