import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Pingable } from '../../streams/keepalive.ts';

/** The part of the raw connection under a WebSocket that backpressure needs (a net.Socket or TLSSocket). */
interface RawSocket extends Duplex {
  readonly writableNeedDrain: boolean;
}

/** The number of heartbeat pings a socket may leave unanswered; at the next one it is cut. */
const MISSED_PONGS_ALLOWED = 2;

/**
 * One accepted WebSocket as the sessions use it: send text frames, say when
 * the connection is full and call back once it drained, and take part in the
 * heartbeat (the gateway's one heartbeat timer calls `ping`).
 */
export class SocketChannel implements Pingable {
  readonly ws: WebSocket;
  readonly #socket: RawSocket;
  readonly #highWaterMark: number;
  #drainWaiters: (() => void)[] | undefined;
  #unansweredPings = 0;
  #corked = false;
  /** When the heartbeat last pinged; the ticker pings again once it is an interval old. */
  lastWriteAt = Date.now();

  constructor(ws: WebSocket, socket: Duplex, highWaterMark: number) {
    this.ws = ws;
    this.#socket = socket as RawSocket;
    this.#highWaterMark = highWaterMark;
    ws.on('pong', () => (this.#unansweredPings = 0));
  }

  get closed(): boolean {
    return this.ws.readyState !== this.ws.OPEN;
  }

  /**
   * Frames sent in one tick leave in one write: the socket is corked at the
   * first and uncorked once the tick's work is done, as Node's HTTP responses
   * do. `ws` writes every frame on its own otherwise, a system call per token.
   */
  send(frame: string): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.ws.send(frame);
  }

  readonly #uncork = () => {
    this.#corked = false;
    this.#socket.uncork();
  };

  /**
   * False once more than the high-water mark waits to be written. The
   * socket's own `writableNeedDrain` is checked too: 'drain' only comes after
   * a write the socket refused, so a mark set below the socket's own would
   * otherwise wait for an event that never fires.
   */
  get hasRoom(): boolean {
    return this.ws.bufferedAmount <= this.#highWaterMark || !this.#socket.writableNeedDrain;
  }

  /**
   * Call `resume` once the connection has written out what it holds.
   *
   * `ws` has no 'drain' event of its own, and a callback on every `send`
   * would cost a closure per token. Without compression `ws` writes each
   * frame straight to the socket, so the socket's own 'drain' is the moment
   * the buffer emptied; one listener serves every stream of the socket.
   */
  onDrain(resume: () => void): void {
    if (this.#drainWaiters === undefined) {
      this.#drainWaiters = [];
      this.#socket.once('drain', this.#drained);
    }
    this.#drainWaiters.push(resume);
  }

  readonly #drained = () => {
    const waiters = this.#drainWaiters ?? [];
    this.#drainWaiters = undefined;
    // A waiter that fills the socket again registers anew, for the next 'drain'.
    for (const resume of waiters) resume();
  };

  ping(): void {
    this.lastWriteAt = Date.now();
    if (this.closed) return;
    if (this.#unansweredPings >= MISSED_PONGS_ALLOWED) {
      this.ws.terminate();
      return;
    }
    this.#unansweredPings++;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }
}
