import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Pingable } from '../../streams/keepalive.ts';

/** The part of the raw connection under a WebSocket that backpressure needs (a net.Socket or TLSSocket). */
interface RawSocket extends Duplex {
  readonly writableNeedDrain: boolean;
}

/** The number of heartbeat pings a socket may leave unanswered; at the next one it is cut. */
const MISSED_PONGS_ALLOWED = 2;

/** Corked frames past this many bytes leave at once rather than at the end of the turn. */
const FLUSH_AT_BYTES = 16 * 1024;

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
  #flushScheduled = false;
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
   * Frames sent in one turn of the event loop leave in one write: the socket
   * is corked at the first and uncorked once the turn's I/O callbacks have
   * run (`setImmediate`), or as soon as 16 KB wait. `ws` writes every frame
   * on its own otherwise, a system call per token. A socket that multiplexes
   * many streams gets a frame from each upstream read in its own callback;
   * uncorking after each (`process.nextTick`, as Node's HTTP responses do)
   * cost a write per frame: 64 paced streams on a socket made 990 writes per
   * 1,000 chunks, and now make about 95 (`npm run bench -- --phases load`).
   */
  send(frame: string): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    }
    this.ws.send(frame);
    if (this.#socket.writableLength >= FLUSH_AT_BYTES) this.#uncork();
  }

  readonly #flush = () => {
    this.#flushScheduled = false;
    this.#uncork();
  };

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

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
